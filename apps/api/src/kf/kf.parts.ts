import type { Provider, Type } from '@nestjs/common';
import { KF_ACCOUNTS_CONTROLLERS, KF_ACCOUNTS_PROVIDERS } from './kf-accounts.parts';
import { KF_SESSION_CONTROLLERS, KF_SESSION_PROVIDERS, KF_SESSION_WORKER_PROVIDERS } from './kf-session.parts';
import { KfPlatformHooks } from './kf-platform.hooks';
import { KF_SESSION_QUEUE } from './kf-session.queue';
import { KfSyncSource } from './kf-sync.source';

/**
 * 微信客服: the sync_msg source and the hooks into the generic pipeline are registered in every role
 * (the InboundSourceSupervisor pulls periodically only in the worker role); session sync jobs run in
 * the worker.
 */
export const KF_PROVIDERS: Provider[] = [KfSyncSource, KfPlatformHooks, ...KF_ACCOUNTS_PROVIDERS, ...KF_SESSION_PROVIDERS];
export const KF_WORKER_PROVIDERS: Provider[] = [...KF_SESSION_WORKER_PROVIDERS];
export const KF_CONTROLLERS: Type[] = [...KF_ACCOUNTS_CONTROLLERS, ...KF_SESSION_CONTROLLERS];

/** Bull queues of the 微信客服 module, registered by the app module. */
export const KF_QUEUES: string[] = [KF_SESSION_QUEUE];
