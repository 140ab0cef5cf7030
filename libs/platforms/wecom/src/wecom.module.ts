import { Module } from '@nestjs/common';
import { WecomAdapter } from './wecom.adapter';

/** WeCom self-built app (企业微信自建应用). Found by the platform registry through its decorator. */
@Module({ providers: [WecomAdapter], exports: [WecomAdapter] })
export class WecomModule {}
