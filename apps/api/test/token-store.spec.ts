import { createTestRedisPrefix, deleteRedisKeys, testRedisUrl } from '@imbridge/testing';
import type { AppConfig } from '../src/config/app-config';
import { RedisService } from '../src/common/redis.service';
import { RedisTokenStore } from '../src/outbound/redis-token-store';

/** The shared access-token store: Redis is the truth, each process keeps what it read for a moment. */

const prefix = createTestRedisPrefix();
const redises: RedisService[] = [];

async function processStore(): Promise<{ redis: RedisService; store: RedisTokenStore; commands: () => number }> {
  const redis = new RedisService({ redisUrl: testRedisUrl(), redisPrefix: prefix } as AppConfig);
  redises.push(redis);
  await redis.onModuleInit();
  let commands = 0;
  const send = redis.client.sendCommand.bind(redis.client);
  redis.client.sendCommand = ((...args: Parameters<typeof send>) => {
    commands++;
    return send(...args);
  }) as typeof send;
  return { redis, store: new RedisTokenStore(redis), commands: () => commands };
}

afterAll(async () => {
  await deleteRedisKeys(`${prefix}:*`);
  for (const r of redises) await r.onApplicationShutdown();
});

describe('RedisTokenStore', () => {
  it('fetches once across processes, then serves from memory without a Redis round trip', async () => {
    const a = await processStore();
    const b = await processStore();
    let fetched = 0;
    const fetchToken = async () => {
      fetched++;
      return { token: `tok-${fetched}`, expiresInSeconds: 7200 };
    };
    expect(await a.store.get('corp-1', fetchToken)).toBe('tok-1');
    expect(await b.store.get('corp-1', fetchToken)).toBe('tok-1');
    const before = b.commands();
    for (let i = 0; i < 20; i++) expect(await b.store.get('corp-1', fetchToken)).toBe('tok-1');
    expect(b.commands()).toBe(before);
    expect(fetched).toBe(1);
  });

  it('a rejected token is dropped here and in Redis; the next get fetches a new one', async () => {
    const a = await processStore();
    let n = 0;
    const fetchToken = async () => ({ token: `t2-${++n}`, expiresInSeconds: 7200 });
    expect(await a.store.get('corp-2', fetchToken)).toBe('t2-1');
    await a.store.invalidate('corp-2', 't2-1');
    expect(await a.store.get('corp-2', fetchToken)).toBe('t2-2');
  });

  it('another process that refreshed is seen once the memory copy is older than 2 s (or at once after a rejection here)', async () => {
    const a = await processStore();
    const b = await processStore();
    let n = 0;
    const fetchToken = async () => ({ token: `t3-${++n}`, expiresInSeconds: 7200 });
    expect(await a.store.get('corp-3', fetchToken)).toBe('t3-1');
    expect(await b.store.get('corp-3', fetchToken)).toBe('t3-1');
    // a's call with t3-1 was refused: a drops it and fetches t3-2 (stored in Redis).
    await a.store.invalidate('corp-3', 't3-1');
    expect(await a.store.get('corp-3', fetchToken)).toBe('t3-2');
    // b still holds t3-1 in memory for up to 2 s; after that it reads t3-2 from Redis.
    expect(await b.store.get('corp-3', fetchToken)).toBe('t3-1');
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await b.store.get('corp-3', fetchToken)).toBe('t3-2');
    // Or at once, when b's own call with the old token is refused.
    await a.store.invalidate('corp-3', 't3-2');
    expect(await a.store.get('corp-3', fetchToken)).toBe('t3-3');
    await b.store.invalidate('corp-3', 't3-2');
    expect(await b.store.get('corp-3', fetchToken)).toBe('t3-3');
    expect(n).toBe(3);
  });
});
