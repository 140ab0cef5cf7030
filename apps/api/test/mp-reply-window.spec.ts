import type { ReplyWindowView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { DataSource } from 'typeorm';
import { MP_PASSIVE_WINDOW_REASON, mpEventRule, mpMessageRule } from '../src/mp/mp-reply-window';
import { addSimMpAccount, createMpIntegration, mpAccount, type MpIntegration } from './mp-test-kit';
import { startTestApp, type TestApp } from './test-app';

/**
 * The 公众号 reply window against the real app and simulator: a customer-service account's window
 * follows the latest trigger (a user message: 5 / 48 h; subscribe, CLICK, SCAN: 3 / 1 min; counts
 * configurable), sends through POST /api/conversations/:id/messages are refused with 409 past it; a
 * passive-only account is always open with deliveredOnNextMessage.
 */
jest.setTimeout(90_000);

const HOUR = 3_600_000;
const DEFAULT_WINDOW = { window: { messageCount: 5, messageHours: 48, eventCount: 3, eventMinutes: 1 } };

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let service: MpIntegration;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp();
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  service = await createMpIntegration(app, sim, mpAccount({ encryptionMode: 'safe', accountType: 'service', verified: true }), {}, 'mp window');
  addSimMpAccount(sim, service);
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

async function act(integration: MpIntegration, openId: string, message: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/mp/user-message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: integration.account.appId, openId, message }),
  });
  expect(res.status).toBe(200);
}

/**
 * Waits until the gateway stored `n` inbound rows of the user and the bot has decided on each of its
 * text messages (its `bot_replies` row, written with any reply); returns the conversation id.
 */
async function conversationOf(integration: MpIntegration, openId: string, inbound: number): Promise<string> {
  return expectEventually(
    async () => {
      const [row] = await ds.query<{ id: string; n: number; undecided: number }[]>(
        `SELECT c.id, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in') AS n,
                (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in' AND m.type = 'text'
                   AND NOT EXISTS (SELECT 1 FROM bot_replies b WHERE b.inbox_event_id = m.inbox_event_id)) AS undecided
           FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.integration_id = $1 AND ct.external_id = $2`,
        [integration.id, openId],
      );
      expect(row?.n).toBe(inbound);
      expect(row?.undecided).toBe(0);
      return row!.id;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

async function windowOf(conversationId: string): Promise<ReplyWindowView> {
  const res = await app.api<ReplyWindowView>('GET', `/api/conversations/${conversationId}/reply-window`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

const send = (conversationId: string, text: string) =>
  app.api<{ code?: string; messageZh?: string; details?: { window: ReplyWindowView } }>('POST', `/api/conversations/${conversationId}/messages`, { type: 'text', text }, app.adminToken);

/** What the bot sent on its own since the user acted (counts against the window too). */
async function outboundCount(conversationId: string): Promise<number> {
  const [row] = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM outbound_messages WHERE conversation_id = $1`, [conversationId]);
  return row!.n;
}

function expectClosesIn(view: ReplyWindowView, ms: number): void {
  const left = Date.parse(view.closesAt!) - Date.now();
  expect(left).toBeLessThanOrEqual(ms);
  expect(left).toBeGreaterThan(ms - 60_000);
}

describe('公众号 customer-service window', () => {
  it('a user message grants 5 messages within 48 h; the 6th send is refused with 409 WINDOW_CLOSED', async () => {
    await act(service, 'rw-user-1', { type: 'text', content: '你好，请问在吗' });
    const id = await conversationOf(service, 'rw-user-1', 1);
    const bot = await outboundCount(id);
    const view = await windowOf(id);
    expect(view).toMatchObject({ limited: true, open: true, remainingMessages: 5 - bot, reason: mpMessageRule(DEFAULT_WINDOW).description });
    expect(view.deliveredOnNextMessage).toBeUndefined();
    expectClosesIn(view, 48 * HOUR);
    expect(view.reason!.zh).toContain('48 小时内最多可回复 5 条');

    for (let i = bot; i < 5; i++) expect((await send(id, `第 ${i + 1} 条`)).status).toBe(201);
    expect(await windowOf(id)).toMatchObject({ open: false, closedBy: 'quota', remainingMessages: 0 });
    const sixth = await send(id, '第 6 条');
    expect(sixth.status).toBe(409);
    expect(sixth.body).toMatchObject({ code: 'WINDOW_CLOSED', details: { window: { open: false, closedBy: 'quota' } } });
    expect(await outboundCount(id)).toBe(5);
    // The simulator (WeChat) accepted all five: the window we show is the one it applies.
    await expectEventually(async () => expect(sim.mp.delivered(service.account.appId, 'rw-user-1')).toHaveLength(5), { timeoutMs: 30_000 });

    // The user writes again: a new trigger, a fresh quota.
    await act(service, 'rw-user-1', { type: 'text', content: '还有一个问题' });
    await conversationOf(service, 'rw-user-1', 2);
    const bot2 = (await outboundCount(id)) - 5;
    expect(await windowOf(id)).toMatchObject({ open: true, remainingMessages: 5 - bot2 });
  });

  it('subscribe grants 3 within 1 minute; a later VIEW or LOCATION grants nothing; past the minute it is closed', async () => {
    await act(service, 'rw-user-2', { type: 'event', event: 'subscribe' });
    const id = await conversationOf(service, 'rw-user-2', 1);
    const view = await windowOf(id);
    const bot = await outboundCount(id);
    expect(view).toMatchObject({ limited: true, open: true, remainingMessages: 3 - bot, reason: mpEventRule(DEFAULT_WINDOW).description });
    expectClosesIn(view, 60_000);
    expect(view.reason!.zh).toContain('1 分钟内最多可回复 3 条');

    await act(service, 'rw-user-2', { type: 'event', event: 'VIEW', eventKey: 'https://example.com/menu' });
    await act(service, 'rw-user-2', { type: 'event', event: 'LOCATION', latitude: 23.1, longitude: 113.3, precision: 65 });
    await conversationOf(service, 'rw-user-2', 3);
    const after = await windowOf(id);
    expect(after).toMatchObject({ open: true, remainingMessages: 3 - bot });
    expect(after.closesAt).toBe(view.closesAt);

    // The subscribe two minutes ago (the rows as the inbox stored them, moved back in time).
    await ds.query(`UPDATE messages SET created_at = created_at - interval '2 minutes' WHERE conversation_id = $1`, [id]);
    await ds.query(`UPDATE outbound_messages SET created_at = created_at - interval '2 minutes' WHERE conversation_id = $1`, [id]);
    const expired = await windowOf(id);
    expect(expired).toMatchObject({ open: false, closedBy: 'expired' });
    expect(expired.reason!.en).toContain('more than 1 minute old');
    expect((await send(id, '欢迎关注')).status).toBe(409);
  });

  it('CLICK and SCAN grant the event window too; a message after them grants the message window', async () => {
    await act(service, 'rw-user-3', { type: 'event', event: 'CLICK', eventKey: 'MENU_HELP' });
    const id = await conversationOf(service, 'rw-user-3', 1);
    const bot = await outboundCount(id);
    expect(await windowOf(id)).toMatchObject({ open: true, remainingMessages: 3 - bot });
    await act(service, 'rw-user-3', { type: 'text', content: '人工' });
    await conversationOf(service, 'rw-user-3', 2);
    const view = await windowOf(id);
    expect(view.reason).toEqual(mpMessageRule(DEFAULT_WINDOW).description);
    expectClosesIn(view, 48 * HOUR);

    await act(service, 'rw-user-4', { type: 'event', event: 'SCAN', eventKey: '42', ticket: 'gQ-ticket' });
    const scanned = await conversationOf(service, 'rw-user-4', 1);
    expect(await windowOf(scanned)).toMatchObject({ open: true, reason: mpEventRule(DEFAULT_WINDOW).description });
  });

  it('an unsubscribe after the trigger closes the window', async () => {
    await act(service, 'rw-user-5', { type: 'text', content: '再见' });
    const id = await conversationOf(service, 'rw-user-5', 1);
    expect((await windowOf(id)).open).toBe(true);
    await act(service, 'rw-user-5', { type: 'event', event: 'unsubscribe' });
    await conversationOf(service, 'rw-user-5', 2);
    const view = await windowOf(id);
    expect(view).toMatchObject({ limited: true, open: false, remainingMessages: 0, closesAt: null });
    expect(view.reason!.zh).toContain('取消关注');
    expect(view.reason!.en).toContain('unsubscribed');
    const refused = await send(id, '别走');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('WINDOW_CLOSED');
  });

  it('follows the configured counts (windowMessageCount 2, windowEventCount 1)', async () => {
    const custom = await createMpIntegration(app, sim, mpAccount({ encryptionMode: 'plain', accountType: 'service', verified: true }), { windowMessageCount: 2, windowMessageHours: 24, windowEventCount: 1 }, 'mp window 2');
    addSimMpAccount(sim, custom);
    sim.mp.configure({ quota: { message: { count: 2, windowSeconds: 24 * 3600 } } });
    await act(custom, 'rw-user-6', { type: 'text', content: 'hi' });
    const id = await conversationOf(custom, 'rw-user-6', 1);
    const bot = await outboundCount(id);
    const view = await windowOf(id);
    expect(view).toMatchObject({ open: true, remainingMessages: 2 - bot });
    expect(view.reason!.en).toBe('Official Account customer-service messages: at most 2 messages within 24 hours of the user\'s message');
    expectClosesIn(view, 24 * HOUR);
    for (let i = bot; i < 2; i++) expect((await send(id, `m${i}`)).status).toBe(201);
    expect((await send(id, 'one too many')).status).toBe(409);

    await act(custom, 'rw-user-7', { type: 'event', event: 'subscribe' });
    const subscribed = await conversationOf(custom, 'rw-user-7', 1);
    expect(await windowOf(subscribed)).toMatchObject({ open: true, remainingMessages: 1 - (await outboundCount(subscribed)) });
  });
});

describe('公众号 passive-only account', () => {
  it('is open and says the message goes out with the user\'s next message', async () => {
    // The callback of a passive account may be held while the answer is awaited: keep the sim's wait short.
    sim.mp.configure({ callbackTimeoutMs: 300, callbackMaxDeliveries: 1 });
    const passive = await createMpIntegration(app, sim, mpAccount({ encryptionMode: 'safe', accountType: 'subscription', verified: false }), {}, 'mp passive');
    addSimMpAccount(sim, passive);
    await act(passive, 'rw-user-8', { type: 'text', content: '你好' });
    const id = await conversationOf(passive, 'rw-user-8', 1);
    expect(await windowOf(id)).toEqual({
      limited: true,
      open: true,
      closesAt: null,
      remainingMessages: null,
      deliveredOnNextMessage: true,
      reason: MP_PASSIVE_WINDOW_REASON,
    });
    expect(MP_PASSIVE_WINDOW_REASON.zh).toBe('此公众号只能被动回复：消息将在用户下次发来消息时一并送达');
  });
});
