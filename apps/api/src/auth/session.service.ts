import { createHmac, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserRole } from '@imbridge/contracts';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SESSION_COOKIE, type SessionUser } from './auth.decorators';

/** The session token of a request: the Bearer header (scripts) or the console's cookie. */
export function tokenOf(req: { headers: Record<string, string | string[] | undefined> }): { value: string; from: 'bearer' | 'cookie' } | null {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return { value: auth.slice(7).trim(), from: 'bearer' };
  const cookie = readCookie(req.headers['cookie'], SESSION_COOKIE);
  return cookie ? { value: cookie, from: 'cookie' } : null;
}

export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const raw = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A token that verified: who, and which session (for revocation). */
export interface VerifiedSession extends SessionUser {
  /** The token's id: logout revokes exactly this session. */
  jti: string;
  /** The user's session epoch when it was issued (see `users.session_epoch`). */
  epoch: number;
  /** When the token expires (seconds since the epoch). */
  exp: number;
}

/** The user a request acts as, re-read from the database (role and disabled flag take effect at once). */
export interface AuthenticatedUser extends SessionUser {
  session: VerifiedSession;
}

/**
 * Issues and checks session tokens (JWT, HS256), keyed from the master key so no extra secret is
 * needed. A token is accepted only while its user exists and is enabled, its session was not logged
 * out (`revoked_sessions`) and the user's session epoch has not moved past it (a password change) —
 * checked in PostgreSQL on every request and socket handshake, so it holds on every API process at once.
 */
@Injectable()
export class SessionService {
  private readonly jwt: JwtService;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ds: DataSource,
  ) {
    const key = createHmac('sha256', config.masterKeys[0] ?? Buffer.alloc(32)).update('imbridge-session-signing-v1').digest();
    this.jwt = new JwtService({ secret: key, signOptions: { algorithm: 'HS256', expiresIn: config.sessionTtlSeconds } });
  }

  issue(user: SessionUser & { sessionEpoch: number }): string {
    return this.jwt.sign({ sub: user.id, username: user.username, role: user.role, jti: randomUUID(), ep: user.sessionEpoch });
  }

  /** The token's signature and expiry only; `authenticate` also checks revocation and the user. */
  verify(token: string): VerifiedSession | null {
    try {
      const p = this.jwt.verify<{ sub: string; username: string; role: UserRole; jti?: string; ep?: number; exp: number }>(token, { algorithms: ['HS256'] });
      if (typeof p.jti !== 'string' || typeof p.ep !== 'number') return null; // issued before sessions were revocable
      return { id: p.sub, username: p.username, role: p.role, jti: p.jti, epoch: p.ep, exp: p.exp };
    } catch {
      return null;
    }
  }

  /** Bearer header for scripts, the httpOnly cookie for the console. */
  fromRequest(req: { headers: Record<string, string | string[] | undefined> }): VerifiedSession | null {
    const token = tokenOf(req);
    return token ? this.verify(token.value) : null;
  }

  /** A verified token whose session is still valid, with the user as stored now; null otherwise. */
  async authenticate(session: VerifiedSession | null): Promise<AuthenticatedUser | null> {
    if (!session) return null;
    const [row]: { id: string; username: string; role: UserRole; disabled: boolean; session_epoch: number; revoked: boolean; can_view_all_chats: boolean }[] = await this.ds.query(
      `SELECT id, username, role, disabled, session_epoch, can_view_all_chats, EXISTS (SELECT 1 FROM revoked_sessions WHERE jti = $2) AS revoked FROM users WHERE id = $1`,
      [session.id, session.jti],
    );
    if (!row || row.disabled || row.revoked || row.session_epoch !== session.epoch) return null;
    return { id: row.id, username: row.username, role: row.role, viewAllChats: row.can_view_all_chats, session };
  }

  /** Logout: this session's token is refused from now on, on every process, until it would have expired. */
  async revoke(session: VerifiedSession): Promise<void> {
    await this.ds.query(
      `INSERT INTO revoked_sessions (jti, user_id, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (jti) DO NOTHING`,
      [session.jti, session.id, session.exp],
    );
    // Entries outlive their token by nothing: drop the expired ones now and then.
    await this.ds.query(`DELETE FROM revoked_sessions WHERE jti IN (SELECT jti FROM revoked_sessions WHERE expires_at < now() LIMIT 1000)`);
  }

  /** Set-Cookie value for the console session (httpOnly, SameSite=Strict, Secure behind https). */
  cookie(token: string | null): string {
    const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${token ? this.config.sessionTtlSeconds : 0}`];
    if (this.secureCookies) attrs.push('Secure');
    return [`${SESSION_COOKIE}=${token ?? ''}`, ...attrs].join('; ');
  }

  get ttlSeconds(): number {
    return this.config.sessionTtlSeconds;
  }

  get secureCookies(): boolean {
    return this.config.publicBaseUrl.startsWith('https://');
  }
}
