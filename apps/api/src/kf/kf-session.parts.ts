import type { Provider, Type } from '@nestjs/common';

/** Welcome/end messages, msg_send_fail, session state kept in step with WeCom (GET /api/conversations/:id/kf-session). */
export const KF_SESSION_PROVIDERS: Provider[] = [];
/** Worker role: the `kf-session` queue's processor. */
export const KF_SESSION_WORKER_PROVIDERS: Provider[] = [];
export const KF_SESSION_CONTROLLERS: Type[] = [];
