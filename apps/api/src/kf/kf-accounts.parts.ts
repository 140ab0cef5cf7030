import type { Provider, Type } from '@nestjs/common';
import { KfAccountsController } from './kf-accounts.controller';
import { KfAccountsService } from './kf-accounts.service';

/** Per-account settings, contact links, servicers (REST under /api/integrations/:id/kf). */
export const KF_ACCOUNTS_PROVIDERS: Provider[] = [KfAccountsService];
export const KF_ACCOUNTS_CONTROLLERS: Type[] = [KfAccountsController];
