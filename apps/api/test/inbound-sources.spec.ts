import { Injectable, Module } from '@nestjs/common';
import Redis from 'ioredis';
import type { PlatformDescriptor } from '@imbridge/contracts';
import {
  RegisterPlatformAdapter,
  RegisterPlatformHooks,
  type ConnectionContext,
  type ConnectionSource,
  type CursorPullSource,
  type InboundEvent,
  type PlatformAdapter,
  type PlatformHooks,
  type PullContext,
} from '@imbridge/platform-core';
import { expectEventually, testRedisUrl } from '@imbridge/testing';
import { DataSource } from 'typeorm';
import { InboundSourceSupervisor, type InboundSourceStatus } from '../src/inbound-sources/inbound-source.supervisor';
import { startTestApp, type TestApp } from './test-app';

/**
 * The supervisor with a platform that exists only in this test (a platform is a library plus its
 * module): one long-lived connection and one cursor pull, both test doubles that record what the
 * supervisor does to them. Two API+worker processes share the database and Redis prefix.
 */

const descriptor: PlatformDescriptor = {
  // Any registered id works; this one has no built-in module yet.
  id: 'dingtalk',
  name: { zh: '测试平台', en: 'Test platform' },
  description: { zh: '只在测试中存在', en: 'Exists only in this test' },
  capabilities: ['connection', 'cursor-pull'],
  fields: [],
  callbackMethods: ['POST'],
  defaultReplayToleranceSeconds: 300,
  defaultSendRatePerSecond: 30,
  docs: [],
};

const textEvent = (id: string, user: string, text: string): InboundEvent => ({
  dedupeKey: id,
  conversationKey: user,
  message: { type: 'text', platformMessageId: id, sender: { externalId: user }, sentAt: new Date().toISOString(), text },
});

/** What the "platform" on the other end of the connection does, and what it saw. */
const conn = {
  connects: 0,
  active: new Map<string, number>(),
  maxActive: 0,
  failNext: 0,
  aborted: 0,
};

class TestConnection implements ConnectionSource {
  readonly kind = 'connection';
  readonly name = 'test-connection';
  readonly label = { zh: '测试长连接', en: 'Test connection' };
  readonly platform = 'dingtalk' as const;

  async connect(ctx: ConnectionContext): Promise<void> {
    conn.connects++;
    if (conn.failNext > 0) {
      conn.failNext--;
      throw new Error('handshake refused');
    }
    const id = ctx.integration.id;
    conn.active.set(id, (conn.active.get(id) ?? 0) + 1);
    conn.maxActive = Math.max(conn.maxActive, conn.active.get(id)!);
    try {
      ctx.connected('test endpoint');
      // Every connection delivers the same first event: only the first one is stored.
      await ctx.ingest([textEvent(`hello-${id}`, 'user-1', 'hello over the connection')]);
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      conn.aborted++;
    } finally {
      conn.active.set(id, conn.active.get(id)! - 1);
    }
  }
}

/** A cursor-based "platform": events wait in `queue` until pulled, a page of 2 at a time. */
const pulls = {
  queue: [] as InboundEvent[],
  calls: 0,
  inFlight: 0,
  maxInFlight: 0,
  failNext: 0,
  pageCap: 0,
  units: ['unit-a'],
};

class TestPull implements CursorPullSource {
  readonly kind = 'cursor-pull';
  readonly name = 'test-pull';
  readonly label = { zh: '测试拉取', en: 'Test pull' };
  readonly platform = 'dingtalk' as const;

  units(): Promise<string[]> {
    return Promise.resolve(pulls.units);
  }

  async pull(ctx: PullContext): Promise<'done' | 'more'> {
    pulls.calls++;
    pulls.inFlight++;
    pulls.maxInFlight = Math.max(pulls.maxInFlight, pulls.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 150));
      if (pulls.failNext > 0) {
        pulls.failNext--;
        throw new Error('cursor expired');
      }
      for (let pages = 0; ; pages++) {
        const page = pulls.queue.splice(0, 2);
        await ctx.ingest(page);
        if (pulls.queue.length === 0) return 'done';
        if (pulls.pageCap > 0 && pages + 1 >= pulls.pageCap) return 'more';
        if (!(await ctx.keepAlive())) throw new Error('lost the lock');
      }
    } finally {
      pulls.inFlight--;
    }
  }
}

@RegisterPlatformAdapter()
@Injectable()
class TestAdapter implements PlatformAdapter {
  readonly descriptor = descriptor;
}

@RegisterPlatformHooks()
@Injectable()
class TestHooks implements PlatformHooks {
  readonly platform = 'dingtalk' as const;
  readonly sources = [new TestConnection(), new TestPull()];
}

@Module({ providers: [TestAdapter, TestHooks] })
class TestPlatformModule {}

/** A long sweep interval: the test drives rounds itself. */
const ENV = { IMBRIDGE_SWEEP_INTERVAL_MS: '600000' };
/** The running processes; one is stopped in a test below. */
let apps: TestApp[] = [];
jest.setTimeout(30_000);
const live = (): TestApp => apps[0]!;
let redis: Redis;
let integrationId: string;

const supervisor = (app: TestApp) => app.running.app.get(InboundSourceSupervisor);

async function status(app: TestApp): Promise<InboundSourceStatus[]> {
  const res = await app.api<InboundSourceStatus[]>('GET', `/api/integrations/${integrationId}/inbound-sources`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

async function inboundTexts(): Promise<string[]> {
  const rows: { text: string }[] = await live().running.app.get(DataSource).query(`SELECT text FROM messages WHERE integration_id = $1 AND direction = 'in' ORDER BY created_at, id`, [integrationId]);
  return rows.map((r) => r.text);
}

beforeAll(async () => {
  const app1 = await startTestApp(ENV, undefined, { platformModules: [TestPlatformModule] });
  const app2 = await startTestApp(ENV, { databaseUrl: app1.databaseUrl, env: app1.env }, { platformModules: [TestPlatformModule] });
  apps = [app1, app2];
  redis = new Redis(testRedisUrl());
  const created = await app1.api<{ id: string }>('POST', '/api/integrations', { platform: 'dingtalk', name: 'test', config: {} }, app1.adminToken);
  expect(created.status).toBe(201);
  integrationId = created.body.id;
}, 60_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  redis?.disconnect();
});

describe('long-lived connections', () => {
  it('keeps exactly one connection per integration across processes; what it receives is stored once; the status says connected', async () => {
    await Promise.all(apps.map((a) => supervisor(a).maintainConnections()));
    await Promise.all(apps.map((a) => supervisor(a).maintainConnections()));
    await expectEventually(() => expect(conn.active.get(integrationId)).toBe(1));
    expect(conn.maxActive).toBe(1);
    expect(apps.flatMap((a) => supervisor(a).held())).toEqual([`test-connection:${integrationId}`]);
    await expectEventually(async () => expect(await inboundTexts()).toEqual(['hello over the connection']));
    await expectEventually(async () =>
      expect(await status(live())).toEqual([
        expect.objectContaining({ source: 'test-connection', kind: 'connection', unit: '', state: 'connected', detail: 'test endpoint', lastError: null }),
      ]),
    );
  });

  it('hands the connection over when its process stops, without storing its events twice', async () => {
    const holder = apps.find((a) => supervisor(a).held().length === 1)!;
    const other = apps.find((a) => a !== holder)!;
    const connectsBefore = conn.connects;
    await holder.close();
    apps = [other];
    expect(conn.aborted).toBeGreaterThanOrEqual(1);
    expect(conn.active.get(integrationId)).toBe(0);
    await supervisor(other).maintainConnections();
    await expectEventually(() => expect(conn.active.get(integrationId)).toBe(1));
    expect(conn.connects).toBe(connectsBefore + 1);
    expect(conn.maxActive).toBe(1);
    // The new connection delivered the same first event again: deduplicated like a callback retry.
    await new Promise((r) => setTimeout(r, 300));
    expect(await inboundTexts()).toEqual(['hello over the connection']);
  });

  it('reconnects with backoff after a failed connection and reports the error; closes the connection when the integration is disabled', async () => {
    const app = live();
    const sup = supervisor(app);
    const connection = async () => (await status(app)).find((s) => s.source === 'test-connection');
    // Make the current connection end: the supervisor reconnects; the first attempt fails.
    conn.failNext = 1;
    const key = `${app.config.redisPrefix}:connection-lock:test-connection:${integrationId}`;
    expect(await redis.exists(key)).toBe(1);
    const disabled = await app.api('PUT', `/api/integrations/${integrationId}`, { enabled: false }, app.adminToken);
    expect(disabled.status).toBe(200);
    await sup.maintainConnections();
    await expectEventually(() => expect(conn.active.get(integrationId)).toBe(0));
    await expectEventually(() => expect(sup.held()).toEqual([]));
    expect(await redis.exists(key)).toBe(0);
    await expectEventually(async () => expect(await connection()).toMatchObject({ state: 'down', detail: 'closed' }));

    const enabled = await app.api('PUT', `/api/integrations/${integrationId}`, { enabled: true }, app.adminToken);
    expect(enabled.status).toBe(200);
    await sup.maintainConnections();
    // First attempt refused, reported; the next one (after ~1 s) connects.
    await expectEventually(async () => expect((await connection())?.lastError?.message).toBe('handshake refused'));
    await expectEventually(() => expect(conn.active.get(integrationId)).toBe(1), { timeoutMs: 5_000 });
    await expectEventually(async () => expect(await connection()).toMatchObject({ state: 'connected' }));
  });
  it('a holder that lost its lock (a pause longer than the lock, or a partition) closes its connection at its next renewal; one connection remains', async () => {
    const first = live();
    const second = await startTestApp(ENV, { databaseUrl: first.databaseUrl, env: first.env }, { platformModules: [TestPlatformModule] });
    apps.push(second);
    const key = `${first.config.redisPrefix}:connection-lock:test-connection:${integrationId}`;
    await expectEventually(() => expect(conn.active.get(integrationId)).toBe(1), { timeoutMs: 5_000 });
    expect(supervisor(first).held()).toEqual([`test-connection:${integrationId}`]);
    // The lock expires as if its holder had stalled; the other process takes it over.
    expect(await redis.del(key)).toBe(1);
    await supervisor(second).maintainConnections();
    await expectEventually(() => expect(supervisor(second).held()).toEqual([`test-connection:${integrationId}`]));
    // The first notices when it renews (a third of the lock's life) and closes its connection.
    await expectEventually(() => expect(supervisor(first).held()).toEqual([]), { timeoutMs: 15_000 });
    await expectEventually(() => expect(conn.active.get(integrationId)).toBe(1));
    expect(await redis.exists(key)).toBe(1);
    // What both connections delivered was stored once.
    expect(await inboundTexts()).toEqual(['hello over the connection']);
  });
});

describe('cursor pulls', () => {
  it('runs one pull per unit at a time across processes; requests during a pull are coalesced, none lost', async () => {
    const sups = apps.map(supervisor);
    pulls.queue.push(textEvent('p1', 'user-2', 'pulled one'), textEvent('p2', 'user-2', 'pulled two'));
    const before = pulls.calls;
    const first = sups[0]!.pull('test-pull', integrationId, 'unit-a');
    await expectEventually(() => expect(pulls.inFlight).toBe(1));
    // More arrive while the first pull runs; eight requests for them come in from every process.
    pulls.queue.push(textEvent('p3', 'user-2', 'pulled three'));
    await Promise.all([first, ...Array.from({ length: 8 }, (_, i) => sups[i % sups.length]!.pull('test-pull', integrationId, 'unit-a'))]);
    expect(pulls.maxInFlight).toBe(1);
    // The running pull went round once more for all of them (not once per request).
    expect(pulls.calls - before).toBeGreaterThanOrEqual(2);
    expect(pulls.calls - before).toBeLessThanOrEqual(3);
    await expectEventually(async () => expect((await inboundTexts()).filter((t) => t.startsWith('pulled'))).toEqual(['pulled one', 'pulled two', 'pulled three']));
  });

  it("pulls again when a pull stops early ('more'), and reports failures without losing the request", async () => {
    const sup = supervisor(live());
    pulls.pageCap = 1;
    pulls.queue.push(...Array.from({ length: 5 }, (_, i) => textEvent(`m${i}`, 'user-3', `page item ${i}`)));
    await sup.pull('test-pull', integrationId, 'unit-a');
    expect(pulls.queue).toEqual([]);
    pulls.pageCap = 0;
    await expectEventually(async () => expect((await inboundTexts()).filter((t) => t.startsWith('page item'))).toHaveLength(5));

    pulls.failNext = 1;
    pulls.queue.push(textEvent('f1', 'user-3', 'after a failure'));
    await expect(sup.pull('test-pull', integrationId, 'unit-a')).rejects.toThrow('cursor expired');
    const failed = (await status(live())).find((s) => s.source === 'test-pull');
    expect(failed).toMatchObject({ kind: 'cursor-pull', unit: 'unit-a', state: 'idle', lastError: { message: 'cursor expired' } });
    // The periodic round pulls every unit of every enabled integration: the message arrives.
    expect(await sup.round()).toBe(1);
    await expectEventually(async () => expect(await inboundTexts()).toContain('after a failure'));
    const ok = (await status(live())).find((s) => s.source === 'test-pull')!;
    expect(Date.parse(ok.lastSuccessAt!)).toBeGreaterThan(Date.parse(failed!.lastError!.at));
  });

  it('answers 404 for an unknown integration and 403 for an agent', async () => {
    const app1 = live();
    const unknown = await app1.api('GET', '/api/integrations/00000000-0000-4000-8000-000000000000/inbound-sources', undefined, app1.adminToken);
    expect(unknown.status).toBe(404);
    const agent = await app1.api<{ id: string }>('POST', '/api/users', { username: 'agent-src', password: 'agent-password-123', role: 'agent' }, app1.adminToken);
    expect(agent.status).toBe(201);
    const login = await app1.api<{ accessToken: string }>('POST', '/api/auth/login', { username: 'agent-src', password: 'agent-password-123' });
    const res = await app1.api('GET', `/api/integrations/${integrationId}/inbound-sources`, undefined, login.body.accessToken);
    expect(res.status).toBe(403);
  });
});
