import { Module } from '@nestjs/common';
import { MpAdapter } from './mp.adapter';

/** 公众号 (WeChat Official Account). Found by the platform registry through its decorator. */
@Module({ providers: [MpAdapter], exports: [MpAdapter] })
export class MpModule {}
