import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisService } from '../common/redis.service';

/**
 * The platform counts our calls when they arrive, a few milliseconds (and a little jitter) after we
 * granted them; a window slightly longer than a second keeps its count under the limit too.
 */
export const RATE_WINDOW_MS = 1_000;
export const RATE_WINDOW_GUARD_MS = 100;

/**
 * Sliding-window log in a sorted set, on Redis's clock so that every process agrees: grants the call
 * (returns 0) when fewer than `limit` were granted within the window, else returns how long to wait.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(tonumber(oldest[2]) + window - now, 1)
`;

/**
 * Per-integration send rate, counted in Redis so all workers share one budget. A sliding window,
 * not fixed 1-second buckets: buckets let 2× the rate through across a bucket boundary.
 */
@Injectable()
export class SendRateLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves when a call may be made now; `onWait` runs before each wait (e.g. to keep a lock). */
  async acquire(integrationId: string, onWait?: () => Promise<unknown>): Promise<void> {
    const key = this.redis.key('rate', integrationId);
    const window = RATE_WINDOW_MS + RATE_WINDOW_GUARD_MS;
    for (;;) {
      const member = `${Date.now()}:${randomBytes(6).toString('hex')}`;
      const waitMs = Number(await this.redis.client.eval(TAKE, 1, key, String(this.config.sendRatePerSecond), String(window), member));
      if (waitMs <= 0) return;
      await onWait?.();
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
