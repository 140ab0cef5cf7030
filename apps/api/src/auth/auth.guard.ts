import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '@imbridge/contracts';
import { ApiError } from '../common/api-error';
import { PUBLIC_ROUTE, REQUIRED_ROLES, type SessionUser } from './auth.decorators';
import { SessionService, type VerifiedSession } from './session.service';

/**
 * The global guard: every route needs a valid session unless marked @Public(); @Roles() narrows it.
 * The user row is re-read so a disabled user, a changed role, a logout or a password change takes
 * effect at once.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: SessionUser; authSession?: VerifiedSession }>();
    const row = await this.sessions.authenticate(this.sessions.fromRequest(req));
    if (!row) throw new ApiError(401, 'UNAUTHENTICATED', 'login required', '请先登录');
    req.user = { id: row.id, username: row.username, role: row.role, viewAllChats: row.viewAllChats };
    req.authSession = row.session;
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.includes(row.role)) throw new ApiError(403, 'FORBIDDEN', 'administrators only', '仅管理员可操作');
    return true;
  }
}
