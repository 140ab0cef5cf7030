import type { Provider, Type } from '@nestjs/common';
import { MpAdminController } from './mp-admin.controller';
import { MpAdminService } from './mp-admin.service';

/** 公众号 administration: menu, QR codes, account status (REST /api/integrations/:id/mp/*). */
export const MP_ADMIN_PROVIDERS: Provider[] = [MpAdminService];
export const MP_ADMIN_CONTROLLERS: Type[] = [MpAdminController];
