import { DataSource } from 'typeorm';
import type { ConversationView, DeadLetterView, MessageView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { newSimCorp, openSimConversation, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * Dead letters end to end: the WeCom simulator refuses sends with a non-retryable 60020 (server IP
 * not in 企业可信IP), the sender dead-letters them, an admin lists them with advice, fixes the cause
 * and re-drives them one by one or all at once; agents are refused.
 */

jest.setTimeout(40_000);

const FAST = { IMBRIDGE_RETRY_BASE_MS: '50', IMBRIDGE_SEND_RATE_PER_SECOND: '1000' };
const BLOCKED_IP = '203.0.113.7';

interface Page {
  items: DeadLetterView[];
  total: number;
}

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let agentToken = '';

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  const password = 'dl-agent-password-1';
  expect((await app.api('POST', '/api/users', { username: 'dl-agent', password, role: 'agent' }, app.adminToken)).status).toBe(201);
  agentToken = (await app.api<{ accessToken: string }>('POST', '/api/auth/login', { username: 'dl-agent', password })).body.accessToken;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

async function reply(conversationId: string, text: string): Promise<MessageView> {
  const res = await app.api<MessageView>('POST', `/api/conversations/${conversationId}/messages`, { text }, app.adminToken);
  expect(res.status).toBe(201);
  return res.body;
}

async function statusOf(messageId: string): Promise<string> {
  const [row] = await ds.query<{ status: string }[]>('SELECT status FROM messages WHERE id = $1', [messageId]);
  return row!.status;
}

async function waitStatus(messageId: string, status: string): Promise<void> {
  await expectEventually(async () => expect(await statusOf(messageId)).toBe(status), { timeoutMs: 15_000, intervalMs: 100 });
}

/**
 * Waits until the bot has answered the opening message (if it answers at all: it runs after the inbox
 * commit) and nothing of the conversation is waiting to be sent: the outbox must stay unchanged and
 * idle for a second.
 */
async function settle(conversationId: string): Promise<void> {
  const snapshot = async (): Promise<string> =>
    JSON.stringify(await ds.query(`SELECT id, status FROM outbound_messages WHERE conversation_id = $1 ORDER BY seq`, [conversationId]));
  let last = '';
  let stableSince = Date.now();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const now = await snapshot();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (!/"(queued|sending)"/.test(now) && Date.now() - stableSince >= 1000) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`conversation ${conversationId} did not settle: ${last}`);
}

async function list(query = ''): Promise<Page> {
  const res = await app.api<Page>('GET', `/api/dead-letters${query}`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

/** A corp whose sends are refused with 60020 from now on, and a dead letter in it. */
async function deadLetterIn(corp: SimCorp, userId: string, text: string): Promise<{ conv: ConversationView; message: MessageView; sent: MessageView }> {
  const conv = await openSimConversation(app, sim, corp, userId, '你好');
  await settle(conv.id);
  const sent = await reply(conv.id, '欢迎咨询');
  await waitStatus(sent.id, 'sent');
  sim.wecom.setTrustedIpCheck(corp.corpId, BLOCKED_IP);
  const message = await reply(conv.id, text);
  await waitStatus(message.id, 'failed');
  return { conv, message, sent };
}

describe('dead letters', () => {
  let corpA: SimCorp;
  let corpB: SimCorp;
  let a: Awaited<ReturnType<typeof deadLetterIn>>;
  let b: Awaited<ReturnType<typeof deadLetterIn>>;

  beforeAll(async () => {
    corpA = await newSimCorp(app, sim, { name: 'dl-a' });
    corpB = await newSimCorp(app, sim, { name: 'dl-b' });
    a = await deadLetterIn(corpA, 'dl-zhang', '订单 #00123 已发货 🚚');
    b = await deadLetterIn(corpB, 'dl-li', '您的退款已处理');
  });

  it('lists a 60020 dead letter with its reason and the 企业可信IP advice naming the IP', async () => {
    const page = await list(`?integrationId=${corpA.integrationId}`);
    expect(page.total).toBe(1);
    const [item] = page.items;
    expect(item).toMatchObject({
      messageId: a.message.id,
      conversationId: a.conv.id,
      integrationId: corpA.integrationId,
      integrationName: `dl-a ${corpA.corpId}`,
      contact: { externalId: 'dl-zhang' },
      text: '订单 #00123 已发货 🚚',
      type: 'text',
      attempts: 1,
      error: { code: 'CONFIG', platformCode: '60020' },
    });
    expect(item!.error!.message).toContain('60020');
    expect(item!.advice!.zh).toContain('企业可信IP');
    expect(item!.advice!.zh).toContain(BLOCKED_IP);
    expect(item!.advice!.en).toContain(BLOCKED_IP);
    expect(Number.isNaN(Date.parse(item!.failedAt))).toBe(false);
  });

  it('lists newest first, filters by integration and paginates', async () => {
    const all = await list();
    expect(all.total).toBe(2);
    expect(all.items.map((i) => i.messageId)).toEqual([b.message.id, a.message.id]);
    expect((await list(`?integrationId=${corpB.integrationId}`)).items.map((i) => i.messageId)).toEqual([b.message.id]);
    const second = await list('?limit=1&offset=1');
    expect(second).toMatchObject({ total: 2, items: [{ messageId: a.message.id }] });
  });

  it('refuses bad queries and anything that is not a dead letter', async () => {
    for (const q of ['?integrationId=nope', '?limit=0', '?limit=201', '?offset=-1', '?limit=abc']) {
      const res = await app.api<{ code: string }>('GET', `/api/dead-letters${q}`, undefined, app.adminToken);
      expect({ q, status: res.status, code: res.body.code }).toEqual({ q, status: 400, code: 'BAD_QUERY' });
    }
    const notUuid = await app.api<{ code: string }>('POST', '/api/dead-letters/not-a-uuid/retry', undefined, app.adminToken);
    expect(notUuid.status).toBe(404);
    const sent = await app.api<{ code: string }>('POST', `/api/dead-letters/${a.sent.id}/retry`, undefined, app.adminToken);
    expect({ status: sent.status, code: sent.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(await statusOf(a.sent.id)).toBe('sent');
    const badBody = await app.api<{ code: string }>('POST', '/api/dead-letters/retry-all', { integrationId: 'x' }, app.adminToken);
    expect({ status: badBody.status, code: badBody.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('is for admins only', async () => {
    expect((await app.api('GET', '/api/dead-letters', undefined, agentToken)).status).toBe(403);
    expect((await app.api('POST', `/api/dead-letters/${a.message.id}/retry`, undefined, agentToken)).status).toBe(403);
    expect((await app.api('POST', '/api/dead-letters/retry-all', {}, agentToken)).status).toBe(403);
    expect((await app.api('GET', '/api/dead-letters')).status).toBe(401);
    expect(await statusOf(a.message.id)).toBe('failed');
  });

  it('re-drives one after the IP is trusted: sent, delivered, gone from the list', async () => {
    sim.wecom.clearTrustedIpCheck(corpA.corpId);
    const res = await app.api<MessageView>('POST', `/api/dead-letters/${a.message.id}/retry`, undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: a.message.id, status: 'queued', error: null });
    await waitStatus(a.message.id, 'sent');
    const delivered = sim.wecom.sentMessages(corpA.corpId).filter((m) => m.body['touser'] === 'dl-zhang').map((m) => (m.body['text'] as { content: string }).content);
    expect(delivered).toContain('订单 #00123 已发货 🚚');
    expect((await list(`?integrationId=${corpA.integrationId}`)).total).toBe(0);
    // Re-driving it again: it is no dead letter any more.
    expect((await app.api('POST', `/api/dead-letters/${a.message.id}/retry`, undefined, app.adminToken)).status).toBe(404);
  });

  it('re-drives all of one integration, and then there is nothing left to retry', async () => {
    sim.wecom.clearTrustedIpCheck(corpB.corpId);
    const res = await app.api<{ retried: number }>('POST', '/api/dead-letters/retry-all', { integrationId: corpB.integrationId }, app.adminToken);
    expect(res).toMatchObject({ status: 200, body: { retried: 1 } });
    await waitStatus(b.message.id, 'sent');
    expect((await list()).total).toBe(0);
    const again = await app.api<{ retried: number }>('POST', '/api/dead-letters/retry-all', {}, app.adminToken);
    expect(again.body).toEqual({ retried: 0 });
    const [audit] = await ds.query<{ action: string; details: { retried: number } }[]>(
      `SELECT action, details FROM audit_log WHERE action = 'dead-letters.retry-all' ORDER BY id ASC LIMIT 1`,
    );
    expect(audit).toEqual({ action: 'dead-letters.retry-all', details: { retried: 1, messageIds: [b.message.id] } });
  });
});
