import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { IntegrationView, MessageView, ReplyWindowView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually, FakeOpenAiServer } from '@imbridge/testing';
import { MP_DEFAULT_PARKING_TEXT } from '@imbridge/platform-mp';
import { MP_CONTINUE_HINT } from '../src/mp/mp-passive-text';
import { FAST, newAgent, openDataSource } from './helpers';
import { startTestApp, type TestApp } from './test-app';

/**
 * 公众号 replies against the simulator, which plays WeChat: it waits 5 s for each delivery of a
 * callback and delivers the identical request again, 3 times in total (wecom-mp.md §2.1).
 * - An unverified subscription account (safe mode) can only reply passively: a fast answer goes out
 *   in the first delivery; a bot that needs 7 s answers on the second delivery, exactly once; a bot
 *   that needs 16 s gets the holding text on the third, and its answer comes first with the user's
 *   next message; long answers are paged with 「继续」; a welcome on subscribe; an agent's reply waits
 *   for the user's next message.
 * - A service account acknowledges at once and answers through the customer-service API.
 * These tests take real seconds because WeChat's timing is the subject.
 */

jest.setTimeout(120_000);

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let fake: FakeOpenAiServer;

const alnum = (n: number): string => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n);
const wxId = (): string => `wx${randomBytes(8).toString('hex')}`;
const user = (name: string): string => `o${name}${randomBytes(6).toString('hex')}`;
const LONG = Array.from({ length: 60 }, (_, i) => `第${i + 1}条：公众号被动回复每页不超过设定的字节数，超出的部分在用户回复继续后发送。`).join('\n');

interface Account {
  appId: string;
  integrationId: string;
}

async function makeAccount(kind: 'passive' | 'service', extra: Record<string, unknown> = {}): Promise<Account> {
  const acc = { appId: wxId(), appSecret: alnum(32), token: alnum(20), encodingAesKey: alnum(43) };
  const type = kind === 'passive' ? { accountType: 'subscription', verified: false } : { accountType: 'service', verified: true };
  const created = await app.api<IntegrationView>(
    'POST',
    '/api/integrations',
    { platform: 'mp', name: `mp ${kind}`, config: { ...acc, encryptionMode: 'safe', ...type, apiBaseUrl: sim.url, ...extra } },
    app.adminToken,
  );
  expect(created.status).toBe(201);
  const integrationId = created.body.id;
  sim.mp.addAccount({ ...acc, mode: 'safe', ...(type as { accountType: 'service' | 'subscription'; verified: boolean }), callbackUrl: created.body.callbackUrl });
  const bot = await app.api(
    'PUT',
    `/api/integrations/${integrationId}/bot`,
    {
      fallbackText: null,
      handoffAfterFailures: 0,
      externalApp: { kind: 'webhook', url: fake.webhookUrl, historyMessages: 0, timeoutMs: 30_000, stream: false },
      appSecret: fake.webhookSecret,
    },
    app.adminToken,
  );
  expect(bot.status).toBe(200);
  for (const [keyword, text] of [
    ['价格', '价格表：基础版 99 元'],
    ['长文', LONG],
  ]) {
    const rule = await app.api('POST', '/api/keyword-rules', { integrationId, keywords: [keyword], matchType: 'contains', reply: { type: 'text', text } }, app.adminToken);
    expect(rule.status).toBe(201);
  }
  return { appId: acc.appId, integrationId };
}

const say = (a: Account, openId: string, content: string) => sim.mp.userMessage(a.appId, openId, { type: 'text', content });
const passiveLines = (a: Account, openId: string): string[] =>
  sim.mp
    .transcript(a.appId, openId)
    .filter((l) => l.from === 'account')
    .map((l) => `${l.via}:${l.text}`);

async function conversationOf(a: Account, openId: string): Promise<string> {
  const [row]: { id: string }[] = await ds.query(
    'SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.integration_id = $1 AND ct.external_id = $2',
    [a.integrationId, openId],
  );
  if (!row) throw new Error('no conversation');
  return row.id;
}

beforeAll(async () => {
  sim = await startPlatformSim();
  fake = await FakeOpenAiServer.start();
  app = await startTestApp({ ...FAST });
  ds = await openDataSource(app);
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await fake?.close();
  await sim?.close();
});
beforeEach(() => {
  fake.reset();
  fake.replyFor = (q) => `答：${q}`;
});

describe('passive replies (unverified subscription account, safe mode)', () => {
  let acc: Account;
  beforeAll(async () => {
    acc = await makeAccount('passive', { welcomeText: '欢迎关注！回复「价格」查看价格。' });
  });

  it('a ready answer goes out in the first delivery, encrypted, and the desk shows it sent', async () => {
    const u = user('fast');
    const rec = await say(acc, u, '请问价格');
    expect(rec.deliveries.map((d) => d.outcome)).toEqual(['reply']);
    expect(rec.reply).toMatchObject({ msgType: 'text', content: '价格表：基础版 99 元', encrypted: true });
    expect(rec.deliveries[0]!.durationMs).toBeLessThan(4_500);
    const conv = await conversationOf(acc, u);
    await expectEventually(async () => {
      const res = await app.api<MessageView[]>('GET', `/api/conversations/${conv}/messages`, undefined, app.adminToken);
      expect(res.body.filter((m) => m.direction === 'out').map((m) => [m.text, m.status])).toEqual([['价格表：基础版 99 元', 'sent']]);
    });
    // Nothing went through the customer-service API: the account has none.
    expect(sim.mp.delivered(acc.appId, u)).toEqual([]);
  });

  it('a bot that needs 7 s answers on the second delivery, exactly once', async () => {
    fake.answerDelayMs = 7_000;
    const u = user('seven');
    const rec = await say(acc, u, '慢问题一');
    expect(rec.deliveries.map((d) => d.outcome)).toEqual(['timeout', 'reply']);
    expect(rec.reply?.content).toBe('答：慢问题一');
    expect(passiveLines(acc, u)).toEqual(['passive:答：慢问题一']);
    const rows: { delivery: number; kind: string }[] = await ds.query('SELECT delivery, kind FROM mp_passive_replies WHERE integration_id = $1 AND dedupe_key = $2', [
      acc.integrationId,
      `msg:${rec.msgId}`,
    ]);
    expect(rows).toEqual([{ delivery: 2, kind: 'answer' }]);
    // The bot was asked once, and one answer was written.
    expect(fake.requests.filter((r) => r.path === '/webhook')).toHaveLength(1);
    const conv = await conversationOf(acc, u);
    const out: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND direction = 'out'`, [conv]);
    expect(out[0]!.n).toBe(1);

    // WeChat delivering the same callback once more (a lost answer) gets the same reply, not a second one.
    const again = await fetch(rec.request.url, { method: 'POST', body: rec.request.body, headers: { 'content-type': 'text/xml' } });
    const body = await again.text();
    expect(again.status).toBe(200);
    expect(body).toContain('<Encrypt>');
    const stored: { n: number }[] = await ds.query('SELECT count(*)::int AS n FROM mp_passive_replies WHERE integration_id = $1 AND dedupe_key = $2', [
      acc.integrationId,
      `msg:${rec.msgId}`,
    ]);
    expect(stored[0]!.n).toBe(1);
  });

  it('a bot that needs 16 s: the holding text on the third delivery, and the next message gets the parked answer first', async () => {
    fake.answerDelayMs = 16_000;
    const u = user('sixteen');
    const rec = await say(acc, u, '慢问题二');
    expect(rec.deliveries.map((d) => d.outcome)).toEqual(['timeout', 'timeout', 'reply']);
    expect(rec.reply?.content).toBe(MP_DEFAULT_PARKING_TEXT);
    const conv = await conversationOf(acc, u);
    // The answer arrives after the last delivery and is held for the user.
    await expectEventually(
      async () => {
        const res = await app.api<MessageView[]>('GET', `/api/conversations/${conv}/messages`, undefined, app.adminToken);
        expect(res.body.filter((m) => m.direction === 'out').map((m) => [m.text, m.status])).toEqual([['答：慢问题二', 'held']]);
      },
      { timeoutMs: 10_000 },
    );
    fake.answerDelayMs = 0;
    const next = await say(acc, u, '价格呢');
    expect(next.deliveries.map((d) => d.outcome)).toEqual(['reply']);
    expect(next.reply?.content).toBe('答：慢问题二\n\n价格表：基础版 99 元');
    expect(passiveLines(acc, u)).toEqual([`passive:${MP_DEFAULT_PARKING_TEXT}`, 'passive:答：慢问题二\n\n价格表：基础版 99 元']);
    const res = await app.api<MessageView[]>('GET', `/api/conversations/${conv}/messages`, undefined, app.adminToken);
    expect(res.body.filter((m) => m.direction === 'out').map((m) => m.status)).toEqual(['sent', 'sent']);
  });

  it('pages a long answer; 「继续」 fetches the next page without asking the bot', async () => {
    const u = user('long');
    const pages: string[] = [];
    const first = await say(acc, u, '长文');
    pages.push(first.reply!.content!);
    for (let i = 0; i < 10 && pages[pages.length - 1]!.endsWith(MP_CONTINUE_HINT); i++) {
      const more = await say(acc, u, '继续');
      expect(more.deliveries.map((d) => d.outcome)).toEqual(['reply']);
      pages.push(more.reply!.content!);
    }
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages) expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(2000);
    const joined = pages.map((p) => (p.endsWith(MP_CONTINUE_HINT) ? p.slice(0, -(MP_CONTINUE_HINT.length + 2)) : p)).join('');
    expect(joined).toBe(LONG);
    // The 「继续」 messages are stored but never reach the bot.
    expect(fake.requests.filter((r) => r.path === '/webhook')).toHaveLength(0);
    const conv = await conversationOf(acc, u);
    const rows: { status: string; pickup_offset: number }[] = await ds.query('SELECT status, pickup_offset FROM outbound_messages WHERE conversation_id = $1', [conv]);
    expect(rows).toEqual([{ status: 'sent', pickup_offset: LONG.length }]);
    // With nothing left, 「继续」 is an ordinary message for the bot.
    const plain = await say(acc, u, '继续');
    expect(plain.reply?.content).toBe('答：继续');
  });

  it('welcomes a new follower in the subscribe callback', async () => {
    const u = user('welcome');
    const rec = await sim.mp.userMessage(acc.appId, u, { type: 'event', event: 'subscribe' });
    expect(rec.deliveries.map((d) => d.outcome)).toEqual(['reply']);
    expect(rec.reply?.content).toBe('欢迎关注！回复「价格」查看价格。');
    // Other events are acknowledged at once.
    const view = await sim.mp.userMessage(acc.appId, u, { type: 'event', event: 'VIEW', eventKey: 'https://example.com/' });
    expect(view.deliveries.map((d) => d.outcome)).toEqual(['acknowledged']);
  });

  it("an agent's reply waits for the user's next message", async () => {
    const u = user('agent');
    const handoff = await say(acc, u, '转人工');
    expect(handoff.reply?.msgType).toBe('text');
    const conv = await conversationOf(acc, u);
    const agent = await newAgent(app, `mpagent${randomBytes(3).toString('hex')}`);
    expect((await app.api('POST', `/api/conversations/${conv}/claim`, {}, agent.token)).status).toBe(200);
    const sent = await app.api<MessageView>('POST', `/api/conversations/${conv}/messages`, { type: 'text', text: '您好，我是客服小王' }, agent.token);
    expect(sent.status).toBe(201);
    await expectEventually(async () => {
      const res = await app.api<MessageView[]>('GET', `/api/conversations/${conv}/messages`, undefined, agent.token);
      expect(res.body.find((m) => m.id === sent.body.id)?.status).toBe('held');
    });
    const window = await app.api<ReplyWindowView>('GET', `/api/conversations/${conv}/reply-window`, undefined, agent.token);
    expect(window.body).toMatchObject({ open: true, deliveredOnNextMessage: true });
    const next = await say(acc, u, '在吗');
    expect(next.deliveries.map((d) => d.outcome)).toEqual(['reply']);
    expect(next.reply?.content).toBe('您好，我是客服小王');
    // The chat is with the agent: the bot was not asked.
    expect(fake.requests.filter((r) => r.path === '/webhook')).toHaveLength(0);
  });
});

describe('customer-service API (service account)', () => {
  it("shows WeChat's 45047 on the message and does not retry it", async () => {
    const acc = await makeAccount('service');
    // WeChat allows fewer messages than our configured count (the documentation changed before).
    sim.mp.configure({ quota: { message: { count: 1 } } });
    try {
      const u = user('quota');
      await say(acc, u, '价格');
      await expectEventually(() => expect(sim.mp.delivered(acc.appId, u)).toHaveLength(1));
      const conv = await conversationOf(acc, u);
      const agent = await app.api<MessageView>('POST', `/api/conversations/${conv}/messages`, { type: 'text', text: '补充说明' }, app.adminToken);
      expect(agent.status).toBe(201);
      const failed = await expectEventually(async () => {
        const rows: { status: string; attempts: number; last_error: { code: string; platformCode: string; retryable: boolean } }[] = await ds.query(
          'SELECT o.status, o.attempts, o.last_error FROM outbound_messages o WHERE o.message_id = $1',
          [agent.body.id],
        );
        expect(rows[0]?.status).toBe('dead');
        return rows[0]!;
      });
      expect(failed).toMatchObject({ attempts: 1, last_error: { code: 'WINDOW_CLOSED', platformCode: '45047', retryable: false } });
      const msgs = await app.api<MessageView[]>('GET', `/api/conversations/${conv}/messages`, undefined, app.adminToken);
      expect(msgs.body.find((m) => m.id === agent.body.id)).toMatchObject({ status: 'failed', error: { code: 'WINDOW_CLOSED', platformCode: '45047' } });
    } finally {
      sim.mp.configure({ quota: { message: { count: 5 } } });
    }
  });

  it("welcomes by a QR code's own text on subscribe and on a follower's scan, else with the account's welcome", async () => {
    const acc = await makeAccount('service', { welcomeText: '欢迎关注本号' });
    const qr = await app.api<{ url: string; id: string }>(
      'POST',
      `/api/integrations/${acc.integrationId}/mp/qrcodes`,
      { name: '门店A', scene: 'store_a', permanent: true, welcomeText: '欢迎来到门店A' },
      app.adminToken,
    );
    expect(qr.status).toBe(201);
    const ticket = (await ds.query('SELECT ticket FROM mp_qr_codes WHERE id = $1', [qr.body.id]))[0].ticket as string;
    const texts = (u: string): unknown[] => sim.mp.delivered(acc.appId, u).map((m) => (m.body['text'] as { content?: string } | undefined)?.content);

    const scanner = user('scan');
    const first = await sim.mp.scan(acc.appId, scanner, ticket);
    expect([first.event, first.deliveries.map((d) => d.outcome)]).toEqual(['subscribe', ['acknowledged']]);
    await expectEventually(() => expect(texts(scanner)).toEqual(['欢迎来到门店A']));
    const again = await sim.mp.scan(acc.appId, scanner, ticket);
    expect(again.event).toBe('SCAN');
    await expectEventually(() => expect(texts(scanner)).toEqual(['欢迎来到门店A', '欢迎来到门店A']));

    const plain = user('plainsub');
    await sim.mp.userMessage(acc.appId, plain, { type: 'event', event: 'subscribe' });
    await expectEventually(() => expect(texts(plain)).toEqual(['欢迎关注本号']));
    // The welcome used the subscribe grant (3 within a minute), not a message's.
    expect(sim.mp.delivered(acc.appId, plain).map((m) => m.trigger)).toEqual(['subscribe']);
  });

  it('acknowledges at once and answers through message/custom/send', async () => {
    const acc = await makeAccount('service');
    fake.answerDelayMs = 6_000;
    const u = user('svc');
    const rec = await say(acc, u, '一个慢问题');
    expect(rec.deliveries.map((d) => d.outcome)).toEqual(['acknowledged']);
    expect(rec.deliveries[0]!.body).toBe('success');
    await expectEventually(() => expect(sim.mp.delivered(acc.appId, u).map((m) => (m as { text?: string }).text ?? m)).toHaveLength(1), { timeoutMs: 15_000 });
    expect(passiveLines(acc, u)).toEqual(['custom:答：一个慢问题']);
  });
});
