import type { Provider, Type } from '@nestjs/common';
import { KfSessionController } from './kf-session.controller';
import { KfSessionProcessor, KfSessionSync } from './kf-session.processor';
import { KfSessionService } from './kf-session.service';

/** Welcome/end messages, msg_send_fail, session state kept in step with WeCom (GET /api/conversations/:id/kf-session). */
export const KF_SESSION_PROVIDERS: Provider[] = [KfSessionService];
/** Worker role: the `kf-session` queue's processor. */
export const KF_SESSION_WORKER_PROVIDERS: Provider[] = [KfSessionSync, KfSessionProcessor];
export const KF_SESSION_CONTROLLERS: Type[] = [KfSessionController];
