import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RedisService } from '../common/redis.service';

const WINDOW_SECONDS = 15 * 60;
/** Attempts per account from one IP, per account from anywhere, and per IP, in the window. */
export const LOGIN_LIMITS = { userAndIp: 5, user: 20, ip: 50 } as const;

/**
 * Takes an attempt atomically: when every counter is under its limit, all are incremented (the
 * window starting with the first) and 0 is returned; otherwise nothing changes and the seconds until
 * the blocking counter expires are returned. One step, so parallel guesses cannot slip past the limit
 * between a check and a count.
 */
const TAKE_ATTEMPT = `
for i = 1, #KEYS do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[i]) then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = 1 end
    return ttl
  end
end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[#KEYS + 1]) end
end
return 0
`;

/** A successful login gives its attempt back (and clears the account's failures from that IP). */
const GIVE_BACK = `
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

/**
 * Login attempts counted in Redis, shared by every API process, before the password is checked: an
 * attempt over the limit is refused without verifying anything. Without Redis the limit cannot be
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

  private keys(username: string, ip: string): [string, string, string] {
    // Normalized like the user lookup (which trims), so " admin" and "admin " count as "admin".
    const user = username.trim().toLowerCase();
    return [this.redis.key('login-fail', 'u', user, ip), this.redis.key('login-fail', 'user', user), this.redis.key('login-fail', 'ip', ip)];
  }

  /** Takes one attempt: 0 when it may proceed (and is counted), else the seconds to wait. */
  async take(username: string, ip: string): Promise<number> {
    const keys = this.keys(username, ip);
    return this.guarded(async () => {
      const wait = await this.redis.client.eval(TAKE_ATTEMPT, keys.length, ...keys, LOGIN_LIMITS.userAndIp, LOGIN_LIMITS.user, LOGIN_LIMITS.ip, WINDOW_SECONDS);
      return Number(wait);
    });
  }

  /** After a successful login: the attempt is given back and the account's failures from that IP cleared. */
  async succeeded(username: string, ip: string): Promise<void> {
    const keys = this.keys(username, ip);
    await this.guarded(() => this.redis.client.eval(GIVE_BACK, keys.length, ...keys));
  }
}
