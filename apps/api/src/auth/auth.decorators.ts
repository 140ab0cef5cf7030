import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { UserRole } from '@imbridge/contracts';

export interface SessionUser {
  id: string;
  username: string;
  role: UserRole;
  /** An agent an administrator allowed to see every chat (as stored now; admins see every chat anyway). */
  viewAllChats?: boolean;
}

export const PUBLIC_ROUTE = 'imbridge:public';
export const REQUIRED_ROLES = 'imbridge:roles';

/** No session needed (login, health, platform callbacks). Every other route requires one. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Only these roles may call the route. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionUser => {
  return ctx.switchToHttp().getRequest<{ user: SessionUser }>().user;
});

export const SESSION_COOKIE = 'imbridge_session';
