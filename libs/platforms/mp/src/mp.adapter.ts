import { Injectable } from '@nestjs/common';
import type { FieldProblem } from '@imbridge/contracts';
import { RegisterPlatformAdapter, type PlatformAdapter, type PlatformAdvice } from '@imbridge/platform-core';
import { MP_CALLBACK_ADVICE } from './mp-callback-advice';
import { MpCallbackHandler } from './mp.callback-handler';
import { MpCredentialVerifier } from './mp.credentials';
import { mpErrorAdvice } from './mp-error-advice';
import { MpMediaDownloader } from './mp-media';
import { checkMpConfig, mpDescriptor } from './mp.descriptor';
import { MpSender } from './mp.sender';

@RegisterPlatformAdapter()
@Injectable()
export class MpAdapter implements PlatformAdapter {
  readonly descriptor = mpDescriptor;
  readonly callback = new MpCallbackHandler();
  readonly sender = new MpSender();
  readonly credentials = new MpCredentialVerifier();
  readonly advice = { callback: MP_CALLBACK_ADVICE, error: mpErrorAdvice } satisfies PlatformAdvice;
  readonly media = new MpMediaDownloader();

  checkConfig(config: Readonly<Record<string, unknown>>): FieldProblem[] {
    return checkMpConfig(config);
  }
}
