import type { Provider } from '@nestjs/common';
import { KfPeriodicPull } from './kf-periodic-pull.service';
import { KfPuller } from './kf-puller.service';

/** 微信客服 pull: the puller runs wherever the inbox runs; the periodic pull only in the worker role. */
export const KF_PROVIDERS: Provider[] = [KfPuller];
export const KF_WORKER_PROVIDERS: Provider[] = [KfPeriodicPull];
