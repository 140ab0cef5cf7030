import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SESSION_COOKIE, type SessionUser } from './auth.decorators';

export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const raw = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Issues and checks session tokens (JWT, HS256), keyed from the master key so no extra secret is needed. */
@Injectable()
export class SessionService {
  private readonly jwt: JwtService;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const key = createHmac('sha256', config.masterKeys[0] ?? Buffer.alloc(32)).update('imbridge-session-signing-v1').digest();
    this.jwt = new JwtService({ secret: key, signOptions: { algorithm: 'HS256', expiresIn: config.sessionTtlSeconds } });
  }

  issue(user: SessionUser): string {
    return this.jwt.sign({ sub: user.id, username: user.username, role: user.role });
  }

  verify(token: string): SessionUser | null {
    try {
      const payload = this.jwt.verify<{ sub: string; username: string; role: SessionUser['role'] }>(token, { algorithms: ['HS256'] });
      return { id: payload.sub, username: payload.username, role: payload.role };
    } catch {
      return null;
    }
  }

  /** Bearer header for scripts, the httpOnly cookie for the console. */
  fromRequest(req: { headers: Record<string, string | string[] | undefined> }): SessionUser | null {
    const auth = req.headers['authorization'];
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) return this.verify(auth.slice(7).trim());
    const cookie = readCookie(req.headers['cookie'], SESSION_COOKIE);
    return cookie ? this.verify(cookie) : null;
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
