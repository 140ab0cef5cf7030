import { Client } from 'pg';
import Redis from 'ioredis';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { createTestRedisPrefix, expectEventually, PrivateRedis, testPgAdminUrl } from '@imbridge/testing';
import { OutboundService } from '../src/outbound/outbound.service';

import { newSimCorp, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * Fast recovery: waiting work resumes when a process starts, when Redis comes back and when
 * PostgreSQL answers again — not when the periodic sweeper finds it stale. Every app here runs with
 * the periodic sweeper effectively off (one round per 10 minutes), so only the recovery rounds and
 * the outbox's own re-checks can deliver within the tests' waits.
 */

jest.setTimeout(60_000);

const NO_PERIODIC_SWEEP = { IMBRIDGE_SWEEP_INTERVAL_MS: '600000' };
const WAIT = { timeoutMs: 20_000, intervalMs: 200 };

let sim: PlatformSim;
const apps: TestApp[] = [];

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(async () => {
  for (const app of apps.reverse()) await app.close().catch(() => undefined);
  await sim?.close();
});

async function start(env: Record<string, string>, reuse?: TestApp): Promise<TestApp> {
  const app = await startTestApp({ ...NO_PERIODIC_SWEEP, ...env }, reuse ? { databaseUrl: reuse.databaseUrl, env: reuse.env } : undefined);
  apps.push(app);
  return app;
}

async function keywordCorp(app: TestApp): Promise<SimCorp> {
  const corp = await newSimCorp(app, sim, { name: 'recovery' });
  const rule = await app.api('POST', '/api/keyword-rules', { integrationId: corp.integrationId, keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: '价格表' } }, app.adminToken);
  expect(rule.status).toBe(201);
  return corp;
}

/** A member writes; the callback goes to `via` (another process of the same deployment) when given. */
async function push(corp: SimCorp, user: string, via?: TestApp): Promise<void> {
  const url = via ? `${via.url}${new URL(corp.callbackUrl).pathname}` : corp.callbackUrl;
  const r = await sim.wecom.client.push(url, corp.corpId, { type: 'text', fromUser: user, content: `价格 ${user}` });
  expect(r.responses.map((x) => x.status)).toEqual([200]);
}

/** Users who got the keyword reply, with how many times. */
function replies(corp: SimCorp): Map<string, number> {
  const got = new Map<string, number>();
  for (const m of sim.wecom.sentMessages(corp.corpId)) {
    const content = (m.body['text'] as { content?: string } | undefined)?.content;
    if (content === '价格表') got.set(String(m.body['touser']), (got.get(String(m.body['touser'])) ?? 0) + 1);
  }
  return got;
}

async function expectAnswered(corp: SimCorp, users: string[]): Promise<void> {
  await expectEventually(async () => expect([...replies(corp).entries()].sort()).toEqual(users.map((u) => [u, 1]).sort()), WAIT);
}

it('a process that starts picks up what the one before it stored and never dispatched', async () => {
  // An API-only process stores the callbacks; its jobs go to a Redis prefix no worker will ever read
  // (the state after Redis lost them, or a crash between the commit and the dispatch).
  const front = await start({ IMBRIDGE_ROLE: 'api' });
  const corp = await keywordCorp(front);
  const users = ['start-1', 'start-2', 'start-3'];
  for (const u of users) await push(corp, u);
  expect(replies(corp).size).toBe(0);

  await start({ IMBRIDGE_ROLE: 'worker', IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix() }, front);
  await expectAnswered(corp, users);
});

it('when Redis comes back empty, the messages accepted while it was away are answered at once, and a retry whose wake-up was lost is sent', async () => {
  const redis = await PrivateRedis.start();
  let app: TestApp | undefined;
  try {
    app = await start({ REDIS_URL: redis.url, IMBRIDGE_RETRY_BASE_MS: '2000' });
    const corp = await keywordCorp(app);
    await push(corp, 'warm');
    await expectAnswered(corp, ['warm']);

    // A reply that fails once with "system busy" waits 2 s for its retry (a delayed job in Redis).
    sim.wecom.script({ api: 'message/send', fromCall: sim.wecom.callCount('message/send') + 1, count: 1, errcode: -1 });
    await push(corp, 'retry');
    await expectEventually(() => expect(sim.wecom.calls('message/send').filter((c) => c.faulted)).toHaveLength(1), WAIT);
    await redis.kill();
    // Accepted while Redis is away (PostgreSQL is enough for that); nothing can be dispatched.
    await push(corp, 'down-1');
    await push(corp, 'down-2');
    await redis.start();
    await expectAnswered(corp, ['warm', 'retry', 'down-1', 'down-2']);
  } finally {
    // Closed while its Redis still runs (a close without Redis waits for it).
    if (app) {
      await app.close();
      apps.splice(apps.indexOf(app), 1);
    }
    await redis.kill();
  }
});

it('when PostgreSQL answers again, work whose jobs failed meanwhile is dispatched at once', async () => {
  const worker = await start({});
  const corp = await keywordCorp(worker);
  await push(corp, 'pg-warm');
  await expectAnswered(corp, ['pg-warm']);
  // Stored by an API process whose jobs no worker reads: like jobs Bull dropped after failing their
  // attempts while PostgreSQL was away.
  const front = await start({ IMBRIDGE_ROLE: 'api', IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix() }, worker);
  await push(corp, 'pg-1', front);
  await push(corp, 'pg-2', front);
  await front.close();

  const dbName = new URL(worker.databaseUrl).pathname.slice(1);
  const admin = new Client({ connectionString: testPgAdminUrl() });
  await admin.connect();
  try {
    // PostgreSQL goes away for the worker: its connections are cut and new ones refused for 2 s.
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(replies(corp).has('pg-1')).toBe(false);
  } finally {
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
    await admin.end();
  }
  await expectAnswered(corp, ['pg-warm', 'pg-1', 'pg-2']);
});

it('a conversation whose send lock is held by a process that died resumes when the lock lapses', async () => {
  const app = await start({});
  const corp = await keywordCorp(app);
  await push(corp, 'lock-user');
  await expectAnswered(corp, ['lock-user']);
  const [conv] = (await app.api<{ id: string }[]>('GET', `/api/conversations?integrationId=${corp.integrationId}`, undefined, app.adminToken)).body;
  // The lock as a worker that was SIGKILLed mid-send leaves it: held, 3 s to live, nobody to release it.
  const redis = new Redis(app.config.redisUrl);
  try {
    await redis.set(`${app.config.redisPrefix}:outbound-lock:${conv!.id}`, 'dead-holder', 'PX', 3_000);
    const msg = await app.running.app.get(OutboundService).enqueue(conv!.id, { type: 'text', text: '稍后为您处理' }, null);
    await expectEventually(async () => {
      const res = await app.api<{ id: string; status: string }[]>('GET', `/api/conversations/${conv!.id}/messages`, undefined, app.adminToken);
      expect(res.body.find((m) => m.id === msg.id)?.status).toBe('sent');
    }, WAIT);
  } finally {
    redis.disconnect();
  }
  const texts = sim.wecom.sentMessages(corp.corpId).map((m) => (m.body['text'] as { content?: string } | undefined)?.content);
  expect(texts.filter((t) => t === '稍后为您处理')).toHaveLength(1);
});
