import { createTestRedisPrefix, deleteRedisKeys, testRedisUrl } from '@imbridge/testing';
import type { AppConfig } from '../src/config/app-config';
import { RedisService } from '../src/common/redis.service';
import { SendRateLimiter, SPACING_FACTOR } from '../src/outbound/rate-limiter.service';

/**
 * The send budget's limiter against a real Redis: two instances with their own connections stand for
 * two worker processes sharing one integration's budget.
 */

jest.setTimeout(60_000);

const prefix = createTestRedisPrefix();
const redises: RedisService[] = [];

async function process_(): Promise<{ redis: RedisService; limiter: SendRateLimiter }> {
  const redis = new RedisService({ redisUrl: testRedisUrl(), redisPrefix: prefix } as AppConfig);
  redises.push(redis);
  await redis.onModuleInit(); // connected
  return { redis, limiter: new SendRateLimiter(redis) };
}

afterAll(async () => {
  await deleteRedisKeys(`${prefix}:*`);
  for (const r of redises) await r.onApplicationShutdown();
});

/** The most grants within any half-open 1-second window. */
function mostInOneSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! < t[i]! + 1000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

/** `callers` loops per limiter, each taking permits until `untilMs` (performance.now()); the grant times. */
async function hammer(limiters: SendRateLimiter[], integrationId: string, rate: () => number, callers: number, untilMs: number): Promise<number[]> {
  const granted: number[] = [];
  await Promise.all(
    limiters.flatMap((limiter) =>
      Array.from({ length: callers }, async () => {
        while (performance.now() < untilMs) {
          await limiter.acquire(integrationId, rate());
          const at = performance.now();
          if (at < untilMs) granted.push(at);
        }
      }),
    ),
  );
  return granted.sort((a, b) => a - b);
}

describe('SendRateLimiter', () => {
  it('two processes sharing a 50/s budget: never more than 50 grants in any second, at least 95 % of it used', async () => {
    const a = await process_();
    const b = await process_();
    const start = performance.now();
    const granted = await hammer([a.limiter, b.limiter], 'shared', () => 50, 20, start + 4_000);
    expect(mostInOneSecond(granted)).toBeLessThanOrEqual(50);
    const perSecond = (granted.length - 1) / ((granted.at(-1)! - granted[0]!) / 1000);
    expect(perSecond).toBeGreaterThanOrEqual(47.5);
    expect(perSecond).toBeLessThanOrEqual(50);
    // Consecutive grants are spaced by the interval (1000/50 × SPACING_FACTOR = 20.6 ms); measured
    // here after each waiter's continuation ran, so single gaps jitter, not their median.
    const gaps = granted.slice(1).map((t, i) => t - granted[i]!).sort((x, y) => x - y);
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeGreaterThan((1000 / 50) * SPACING_FACTOR - 1);
  });

  it('at a small budget each process waits its turn (3/s over 3.5 seconds)', async () => {
    const a = await process_();
    const b = await process_();
    const start = performance.now();
    const granted = await hammer([a.limiter, b.limiter], 'small', () => 3, 5, start + 3_500);
    expect(mostInOneSecond(granted)).toBeLessThanOrEqual(3);
    // Slots 347 ms apart (333 × SPACING_FACTOR), the second two intervals after the first: 10 in 3.5 s.
    expect(granted.length).toBeGreaterThanOrEqual(9);
  });

  it('reserves for many waiting callers at once: thousands of grants a second, several per script call', async () => {
    const a = await process_();
    const b = await process_();
    const calls = { n: 0 };
    for (const p of [a, b]) {
      const evalsha = p.redis.client.evalsha.bind(p.redis.client);
      p.redis.client.evalsha = ((...args: Parameters<typeof evalsha>) => {
        calls.n++;
        return evalsha(...args);
      }) as typeof evalsha;
    }
    const start = performance.now();
    const granted = await hammer([a.limiter, b.limiter], 'wide', () => 10_000, 64, start + 1_500);
    expect(mostInOneSecond(granted)).toBeLessThanOrEqual(10_000);
    expect(granted.length).toBeGreaterThan(3_000);
    // Each call reserves for every caller waiting in that process at the time (here 7 to 10).
    expect(calls.n).toBeLessThan(granted.length / 4);
  });

  it('a budget change applies within moments, in every process', async () => {
    const a = await process_();
    const b = await process_();
    let rate = 2;
    const start = performance.now();
    const slow = await hammer([a.limiter, b.limiter], 'changing', () => rate, 3, start + 2_000);
    expect(slow.length).toBeLessThanOrEqual(5);
    rate = 500;
    const changedAt = performance.now();
    const fast = await hammer([a.limiter, b.limiter], 'changing', () => rate, 10, changedAt + 2_000);
    // The slots reserved at 2/s (at most one interval and the horizon ahead) pass, then 500/s.
    expect(fast.filter((t) => t > changedAt + 1_600).length).toBeGreaterThan(100);
    expect(mostInOneSecond(fast)).toBeLessThanOrEqual(500);
  });

  it('a call that cannot be counted (Redis away) does not leave', async () => {
    const a = await process_();
    a.redis.client.disconnect();
    await expect(a.limiter.acquire('away', 10)).rejects.toThrow();
  });
});
