import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RedisService } from '../common/redis.service';

const WINDOW_SECONDS = 15 * 60;
const MAX_PER_USER_AND_IP = 5;
const MAX_PER_IP = 50;

/**
 * Failed-login counters in Redis, shared by every API process. Without Redis the limit cannot be
 * enforced, so logins fail closed with a 503 (try again) rather than a 500 or an unlimited login.
 */
@Injectable()
export class LoginLimiter {
  private readonly logger = new Logger('LoginLimiter');

  constructor(private readonly redis: RedisService) {}

  private async guarded<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      this.logger.warn(`login limiter unavailable: ${(err as Error).message}`);
      throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'login is temporarily unavailable, try again shortly', '登录服务暂时不可用，请稍后再试');
    }
  }

  private keys(username: string, ip: string): [string, string] {
    // Normalized like the user lookup (which trims), so " admin" and "admin " count as "admin".
    return [this.redis.key('login-fail', 'u', username.trim().toLowerCase(), ip), this.redis.key('login-fail', 'ip', ip)];
  }

  /** Seconds to wait, or 0 when the attempt may proceed. */
  async blockedFor(username: string, ip: string): Promise<number> {
    const [uk, ik] = this.keys(username, ip);
    return this.guarded(async () => {
      const [u, i] = await this.redis.client.mget(uk, ik);
      if (Number(u ?? 0) >= MAX_PER_USER_AND_IP || Number(i ?? 0) >= MAX_PER_IP) {
        const ttl = await this.redis.client.ttl(Number(u ?? 0) >= MAX_PER_USER_AND_IP ? uk : ik);
        return Math.max(ttl, 1);
      }
      return 0;
    });
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const multi = this.redis.client.multi();
    for (const k of this.keys(username, ip)) multi.incr(k).expire(k, WINDOW_SECONDS, 'NX');
    await this.guarded(() => multi.exec());
  }

  async reset(username: string, ip: string): Promise<void> {
    await this.guarded(() => this.redis.client.del(this.keys(username, ip)[0]));
  }
}
