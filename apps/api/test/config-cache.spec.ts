import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import type { BotTestResult } from '../src/bot/bot-pipeline.service';
import { ConfigChanges } from '../src/common/config-changes.service';
import { FAST, newAgent, openDataSource } from './helpers';
import { newSimCorp, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * Bot settings and keyword rules are cached in every process (they are read on every message): a
 * change made through one process must reach what another process answers at once, and a process
 * whose change subscription is down must not serve from its cache.
 */

jest.setTimeout(60_000);

let sim: PlatformSim;
let a: TestApp;
let b: TestApp;
let corp: SimCorp;

const answer = async (app: TestApp, text: string): Promise<string | undefined> => {
  const res = await app.api<BotTestResult>('POST', `/api/integrations/${corp.integrationId}/bot/test`, { text }, app.adminToken);
  expect(res.status).toBe(200);
  const first = res.body.messages[0];
  return first?.type === 'text' ? first.text : undefined;
};

beforeAll(async () => {
  sim = await startPlatformSim();
  a = await startTestApp(FAST);
  b = await startTestApp(FAST, { databaseUrl: a.databaseUrl, env: a.env });
  corp = await newSimCorp(a, sim, { name: 'cache' });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await sim?.close();
});

describe('configuration cached in every process', () => {
  it('a keyword rule changed, added or removed through one process is what another answers with next', async () => {
    const rule = await a.api<{ id: string }>('POST', '/api/keyword-rules', { integrationId: corp.integrationId, keywords: ['价格'], matchType: 'contains', priority: 1, reply: { type: 'text', text: '旧价格表' } }, a.adminToken);
    expect(rule.status).toBe(201);
    expect(await answer(b, '价格多少')).toBe('旧价格表');
    expect(await answer(b, '价格多少')).toBe('旧价格表'); // now from b's cache

    expect((await a.api('PUT', `/api/keyword-rules/${rule.body.id}`, { reply: { type: 'text', text: '新价格表' } }, a.adminToken)).status).toBe(200);
    await expectEventually(async () => expect(await answer(b, '价格多少')).toBe('新价格表'), { timeoutMs: 2_000 });

    // A global rule (no integration) is a candidate of every integration: added through b, a answers with it.
    expect(await answer(a, '营业时间')).not.toBe('九点到六点');
    const global = await b.api<{ id: string }>('POST', '/api/keyword-rules', { integrationId: null, keywords: ['营业时间'], matchType: 'contains', priority: 1, reply: { type: 'text', text: '九点到六点' } }, b.adminToken);
    expect(global.status).toBe(201);
    await expectEventually(async () => expect(await answer(a, '营业时间')).toBe('九点到六点'), { timeoutMs: 2_000 });

    expect((await a.api('DELETE', `/api/keyword-rules/${global.body.id}`, undefined, a.adminToken)).status).toBe(204);
    await expectEventually(async () => expect(await answer(b, '营业时间')).not.toBe('九点到六点'), { timeoutMs: 2_000 });
  });

  it('bot settings changed through one process apply in another at once', async () => {
    expect((await a.api('PUT', `/api/integrations/${corp.integrationId}/bot`, { fallbackText: '请稍候' }, a.adminToken)).status).toBe(200);
    await expectEventually(async () => expect(await answer(b, '随便说点什么')).toBe('请稍候'), { timeoutMs: 2_000 });
    expect((await b.api('PUT', `/api/integrations/${corp.integrationId}/bot`, { fallbackText: '稍后回复您' }, b.adminToken)).status).toBe(200);
    await expectEventually(async () => expect(await answer(a, '随便说点什么')).toBe('稍后回复您'), { timeoutMs: 2_000 });
  });

  it('serves nothing from the cache while its change subscription is down, and drops it when the subscription is back', async () => {
    const changes = b.running.app.get(ConfigChanges);
    expect(changes.trusted).toBe(true);
    expect(await answer(b, '随便说点什么')).toBe('稍后回复您'); // cached in b
    // The subscription's connection is lost (as when Redis restarts); a change made meanwhile is not heard.
    const sub = (changes as unknown as { sub: { disconnect(reconnect?: boolean): void; connect(): Promise<void> } }).sub;
    sub.disconnect(false);
    await expectEventually(async () => expect(changes.trusted).toBe(false), { timeoutMs: 2_000 });
    const ds = await openDataSource(a);
    try {
      // Written behind every cache's back: only a process that reads PostgreSQL sees it.
      await ds.query(`UPDATE bot_settings SET fallback_text = '未通知的修改' WHERE integration_id = $1`, [corp.integrationId]);
      expect(await answer(b, '随便说点什么')).toBe('未通知的修改');
      await sub.connect();
      await expectEventually(async () => expect(changes.trusted).toBe(true), { timeoutMs: 10_000 });
      await ds.query(`UPDATE bot_settings SET fallback_text = '又一次未通知' WHERE integration_id = $1`, [corp.integrationId]);
      // Back: nothing was cached while down, so the first read after it loads again.
      expect(await answer(b, '随便说点什么')).toBe('又一次未通知');
    } finally {
      await ds.destroy();
    }
  });
});

describe('GET /api/metrics', () => {
  it('lists every live process with its counters (admins only)', async () => {
    const before = await a.api<{ processes: { id: string; role: string; pgStatements: number; redisCommands: number; cpuMicros: number; events: Record<string, number> }[]; total: { pgStatements: number } }>('GET', '/api/metrics', undefined, a.adminToken);
    expect(before.status).toBe(200);
    // (Both application instances of this file run in this one process: one entry, host:pid.)
    const mine = before.body.processes.find((p) => p.id.endsWith(`:${process.pid}`));
    expect(mine).toBeDefined();
    expect(mine!.role).toBe('all');
    expect(mine!.pgStatements).toBeGreaterThan(0);
    expect(mine!.redisCommands).toBeGreaterThan(0);
    expect(mine!.cpuMicros).toBeGreaterThan(0);
    expect(before.body.total.pgStatements).toBeGreaterThanOrEqual(mine!.pgStatements);
    // A callback stored counts as an inbox event, visible at once to the process that stored it.
    const stored = mine!.events['inbox.stored'] ?? 0;
    expect((await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: 'metrics-user', content: 'hello' })).responses.map((r) => r.status)).toEqual([200]);
    const after = await a.api<{ processes: { id: string; events: Record<string, number> }[] }>('GET', '/api/metrics', undefined, a.adminToken);
    expect(after.body.processes.find((p) => p.id === mine!.id)!.events['inbox.stored']).toBe(stored + 1);
    const agent = await newAgent(a, 'metrics-agent');
    expect((await a.api('GET', '/api/metrics', undefined, agent.token)).status).toBe(403);
    expect((await a.api('GET', '/api/metrics')).status).toBe(401);
  });
});
