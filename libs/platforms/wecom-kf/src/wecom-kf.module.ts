import { Module } from '@nestjs/common';
import { WecomKfAdapter } from './wecom-kf.adapter';

/** 微信客服 (WeCom kf). Found by the platform registry through its decorator; not yet imported by the API. */
@Module({ providers: [WecomKfAdapter], exports: [WecomKfAdapter] })
export class WecomKfModule {}
