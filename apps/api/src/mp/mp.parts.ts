import type { Provider, Type } from '@nestjs/common';
import { MP_ADMIN_CONTROLLERS, MP_ADMIN_PROVIDERS } from './mp-admin.parts';
import { MpInboxHooks } from './mp-inbox.hooks';
import { MpPassiveReplies } from './mp-passive.service';
import { MpPlatformHooks } from './mp-platform.hooks';
import { MpReplyWindow } from './mp-reply-window';

/** 公众号 (mp): passive replies, welcome messages, reply windows and the administration endpoints. */
export const MP_PROVIDERS: Provider[] = [MpPassiveReplies, MpInboxHooks, MpReplyWindow, MpPlatformHooks, ...MP_ADMIN_PROVIDERS];
export const MP_CONTROLLERS: Type[] = [...MP_ADMIN_CONTROLLERS];
