import { Injectable } from '@nestjs/common';
import { RegisterPlatformAdapter, type PlatformAdapter, type PlatformAdvice } from '@imbridge/platform-core';
import { WECOM_CALLBACK_ADVICE } from '@imbridge/platform-wecom-common';
import { wecomKfErrorAdvice } from './wecom-kf-advice';
import { WecomKfCallbackHandler } from './wecom-kf.callback-handler';
import { WecomKfCredentialVerifier } from './wecom-kf.credentials';
import { wecomKfDescriptor } from './wecom-kf.descriptor';
import { WecomKfMediaDownloader } from './wecom-kf.media';
import { WecomKfSender } from './wecom-kf.sender';

@RegisterPlatformAdapter()
@Injectable()
export class WecomKfAdapter implements PlatformAdapter {
  readonly descriptor = wecomKfDescriptor;
  readonly callback = new WecomKfCallbackHandler();
  readonly sender = new WecomKfSender();
  readonly credentials = new WecomKfCredentialVerifier();
  /** The WeCom console's callback advice (the same 接收消息 settings as the app), and the 微信客服 error codes. */
  readonly advice = { callback: WECOM_CALLBACK_ADVICE, error: wecomKfErrorAdvice } satisfies PlatformAdvice;
  readonly media = new WecomKfMediaDownloader();
}
