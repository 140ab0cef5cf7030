import { Injectable } from '@nestjs/common';
import type { TokenProvider } from '@imbridge/platform-core';
import { RedisLock, RedisService } from '../common/redis.service';

const INVALIDATE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const LOCK_TTL_MS = 15_000;
const WAIT_STEP_MS = 50;
// Refresh ahead of the platform's expiry (tokens typically last 7200 s).
const EXPIRY_MARGIN_S = 300;
/**
 * A token read from Redis is reused from memory this long (never past its Redis expiry), so a send
 * costs no Redis round trip for it. Another process's invalidation reaches this one by then at the
 * latest; meanwhile a call with the old token fails once and the sender's refresh-once path (which
 * invalidates here too) fetches the new one.
 */
const LOCAL_TTL_MS = 2_000;

/**
 * Access tokens shared by every process through Redis. A refresh is single-flight across processes (a
 * Redis lock; the others wait for the new value) and inside this one (a shared promise). Invalidation
 * drops the token only while it is still the one that failed, so a fresh token is never thrown away.
 */
@Injectable()
export class RedisTokenStore implements TokenProvider {
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly local = new Map<string, { token: string; until: number }>();

  constructor(private readonly redis: RedisService) {}

  async get(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string> {
    const mine = this.local.get(key);
    if (mine && performance.now() < mine.until) return mine.token;
    const readAt = performance.now();
    // One round trip for the token and how long Redis keeps it.
    const [[, cached], [, pttl]] = (await this.redis.client.pipeline().get(this.tokenKey(key)).pttl(this.tokenKey(key)).exec()) as [[unknown, string | null], [unknown, number]];
    if (cached) {
      if (pttl > 0) this.remember(key, cached, readAt + Math.min(LOCAL_TTL_MS, pttl));
      return cached;
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.refresh(key, fetchToken).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  async invalidate(key: string, failedToken: string): Promise<void> {
    if (this.local.get(key)?.token === failedToken) this.local.delete(key);
    await this.redis.client.eval(INVALIDATE, 1, this.tokenKey(key), failedToken);
  }

  private remember(key: string, token: string, until: number): void {
    if (this.local.size >= 10_000) this.local.clear();
    this.local.set(key, { token, until });
  }

  private tokenKey(key: string): string {
    return this.redis.key('token', key);
  }

  private async refresh(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string> {
    const deadline = Date.now() + LOCK_TTL_MS * 2;
    while (Date.now() < deadline) {
      const lock = await RedisLock.acquire(this.redis.client, this.redis.key('token-lock', key), LOCK_TTL_MS);
      if (lock) {
        try {
          // Another process may have refreshed between our miss and our lock.
          const again = await this.redis.client.get(this.tokenKey(key));
          if (again) return again;
          const { token, expiresInSeconds } = await fetchToken();
          const ttl = Math.max(expiresInSeconds - EXPIRY_MARGIN_S, Math.min(expiresInSeconds, 60));
          await this.redis.client.set(this.tokenKey(key), token, 'EX', Math.max(ttl, 1));
          return token;
        } finally {
          await lock.release();
        }
      }
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
      const fresh = await this.redis.client.get(this.tokenKey(key));
      if (fresh) return fresh;
    }
    throw new Error(`timed out waiting for the access token refresh of ${key}`);
  }
}
