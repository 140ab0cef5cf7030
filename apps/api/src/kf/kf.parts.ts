import type { Provider, Type } from '@nestjs/common';
import { KF_ACCOUNTS_CONTROLLERS, KF_ACCOUNTS_PROVIDERS } from './kf-accounts.parts';
import { KF_SESSION_CONTROLLERS, KF_SESSION_PROVIDERS, KF_SESSION_WORKER_PROVIDERS } from './kf-session.parts';
import { KfPeriodicPull } from './kf-periodic-pull.service';
import { KfPuller } from './kf-puller.service';

/** 微信客服: the puller runs wherever the inbox runs; the periodic pull and session sync jobs only in the worker role. */
export const KF_PROVIDERS: Provider[] = [KfPuller, ...KF_ACCOUNTS_PROVIDERS, ...KF_SESSION_PROVIDERS];
export const KF_WORKER_PROVIDERS: Provider[] = [KfPeriodicPull, ...KF_SESSION_WORKER_PROVIDERS];
export const KF_CONTROLLERS: Type[] = [...KF_ACCOUNTS_CONTROLLERS, ...KF_SESSION_CONTROLLERS];
