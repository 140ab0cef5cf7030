import { Injectable } from '@nestjs/common';
import type { FieldProblem } from '@imbridge/contracts';
import { RegisterPlatformAdapter, type PlatformAdapter } from '@imbridge/platform-core';
import { MpCallbackHandler } from './mp.callback-handler';
import { MpCredentialVerifier } from './mp.credentials';
import { checkMpConfig, mpDescriptor } from './mp.descriptor';
import { MpSender } from './mp.sender';

@RegisterPlatformAdapter()
@Injectable()
export class MpAdapter implements PlatformAdapter {
  readonly descriptor = mpDescriptor;
  readonly callback = new MpCallbackHandler();
  readonly sender = new MpSender();
  readonly credentials = new MpCredentialVerifier();

  checkConfig(config: Readonly<Record<string, unknown>>): FieldProblem[] {
    return checkMpConfig(config);
  }
}
