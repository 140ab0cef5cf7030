import type { Provider, Type } from '@nestjs/common';

/** Per-account settings, contact links, servicers (REST under /api/integrations/:id/kf). */
export const KF_ACCOUNTS_PROVIDERS: Provider[] = [];
export const KF_ACCOUNTS_CONTROLLERS: Type[] = [];
