import { Injectable } from '@nestjs/common';
import { RegisterPlatformAdapter, type PlatformAdapter } from '@imbridge/platform-core';
import { WecomKfCallbackHandler } from './wecom-kf.callback-handler';
import { WecomKfCredentialVerifier } from './wecom-kf.credentials';
import { wecomKfDescriptor } from './wecom-kf.descriptor';
import { WecomKfSender } from './wecom-kf.sender';

@RegisterPlatformAdapter()
@Injectable()
export class WecomKfAdapter implements PlatformAdapter {
  readonly descriptor = wecomKfDescriptor;
  readonly callback = new WecomKfCallbackHandler();
  readonly sender = new WecomKfSender();
  readonly credentials = new WecomKfCredentialVerifier();
}
