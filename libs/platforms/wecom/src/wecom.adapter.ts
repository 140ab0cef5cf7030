import { Injectable } from '@nestjs/common';
import { RegisterPlatformAdapter, type PlatformAdapter, type PlatformAdvice } from '@imbridge/platform-core';
import { WECOM_CALLBACK_ADVICE } from '@imbridge/platform-wecom-common';
import { wecomErrorAdvice } from './wecom-advice';
import { WecomCallbackHandler } from './wecom.callback-handler';
import { wecomDescriptor } from './wecom.descriptor';
import { WecomSender } from './wecom.sender';
import { WecomCredentialVerifier } from './wecom.credentials';
import { WecomMediaDownloader } from './wecom.media';

@RegisterPlatformAdapter()
@Injectable()
export class WecomAdapter implements PlatformAdapter {
  readonly descriptor = wecomDescriptor;
  readonly callback = new WecomCallbackHandler();
  readonly sender = new WecomSender();
  readonly credentials = new WecomCredentialVerifier();
  readonly advice = { callback: WECOM_CALLBACK_ADVICE, error: wecomErrorAdvice } satisfies PlatformAdvice;
  readonly media = new WecomMediaDownloader();
}
