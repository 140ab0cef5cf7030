import { Injectable } from '@nestjs/common';
import { RegisterPlatformAdapter, type PlatformAdapter } from '@imbridge/platform-core';
import { WecomCallbackHandler } from './wecom.callback-handler';
import { wecomDescriptor } from './wecom.descriptor';
import { WecomSender } from './wecom.sender';
import { WecomCredentialVerifier } from './wecom.credentials';

@RegisterPlatformAdapter()
@Injectable()
export class WecomAdapter implements PlatformAdapter {
  readonly descriptor = wecomDescriptor;
  readonly callback = new WecomCallbackHandler();
  readonly sender = new WecomSender();
  readonly credentials = new WecomCredentialVerifier();
}
