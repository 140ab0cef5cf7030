import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ConversationView, IntegrationView, KfAccountSettings, KfSessionView, MessageView, ReplyWindowView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { toKfInboundEvent } from '@imbridge/platform-wecom-kf';
import { InboxDispatcher } from '../src/callbacks/inbox-dispatcher.service';
import { InboundSourceSupervisor } from '../src/inbound-sources/inbound-source.supervisor';
import { type Agent, type ErrorBody, FAST, newAgent, openDataSource } from './helpers';
import { newSimCorp, openSimConversation } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * 微信客服 sessions end to end against the simulator's kf: the welcome on enter_session (text and
 * menu, send_msg_on_event), WeCom's session state kept in step with ours (console handoff, claim,
 * close with the end message; WeCom handoff to a servicer with a read-only desk), the 5-message
 * quota, servicer messages, session_status_change from WeCom, msg_send_fail, recalls, and the
 * per-account 'human' pipeline.
 */

jest.setTimeout(90_000);

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let agent: Agent;

const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);
const corp = { corpId: `ww${randomBytes(8).toString('hex')}`, agentId: 1000005, secret: alnum(43), token: alnum(24), encodingAesKey: alnum(43) };
let integrationId = '';
let kfA = ''; // console handoff, text welcome, end message
let kfB = ''; // WeCom handoff to servicer lisi
let kfC = ''; // pipeline 'human'
let kfD = ''; // menu welcome
let kfE = ''; // WeCom handoff to a servicer who is not receiving
const cust = (name: string): string => `wm${name}${randomBytes(4).toString('hex')}`;

const WELCOME = '您好，欢迎咨询！';
const END = '感谢您的咨询，再见。';

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp({ ...FAST, IMBRIDGE_SWEEP_INTERVAL_MS: '3600000' });
  ds = await openDataSource(app);
  sim.wecom.addApp(corp);
  kfA = sim.kf.addAccount({ corpId: corp.corpId, name: '售前' }).openKfid;
  kfB = sim.kf.addAccount({ corpId: corp.corpId, name: '售后' }).openKfid;
  kfC = sim.kf.addAccount({ corpId: corp.corpId, name: '人工' }).openKfid;
  kfD = sim.kf.addAccount({ corpId: corp.corpId, name: '菜单' }).openKfid;
  kfE = sim.kf.addAccount({ corpId: corp.corpId, name: '停止接待' }).openKfid;
  sim.kf.setServicer(kfB, 'lisi', 0);
  sim.kf.setServicer(kfE, 'wangwu', 1);

  const created = await app.api<IntegrationView>(
    'POST',
    '/api/integrations',
    { platform: 'wecom-kf', name: 'kf sessions', config: { corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: sim.url } },
    app.adminToken,
  );
  expect(created.status).toBe(201);
  integrationId = created.body.id;
  // A silent bot (no fallback) with the default handoff keywords (人工 …), and one keyword rule.
  expect((await app.api('PUT', `/api/integrations/${integrationId}/bot`, { fallbackText: null, handoffAfterFailures: 0 }, app.adminToken)).status).toBe(200);
  expect(
    (await app.api('POST', '/api/keyword-rules', { integrationId, keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: '价格表' } }, app.adminToken)).status,
  ).toBe(201);
  await account(kfA, { welcome: { enabled: true, type: 'text', text: WELCOME }, endMessage: END });
  await account(kfB, { handoff: 'wecom', servicerUserId: 'lisi' });
  await account(kfC, { pipeline: 'human' });
  await account(kfE, { handoff: 'wecom', servicerUserId: 'wangwu' });
  await account(kfD, { welcome: { enabled: true, type: 'menu', menu: { head: '请选择', items: [{ id: 'price', content: '价格' }, { id: 'human', content: '人工' }], tail: '或直接留言' } } });
  sim.kf.setCallback(corp.corpId, created.body.callbackUrl, 'normal');
  // Prime every account (nothing to skip yet) so the first callbacks already pull new messages only.
  expect(await app.running.app.get(InboundSourceSupervisor).round()).toBe(5);
  agent = await newAgent(app, 'kf-agent');
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

// ---- helpers ----

/** The account's settings, as the accounts page would save them. */
async function account(openKfid: string, s: Partial<KfAccountSettings>): Promise<void> {
  await ds.query(
    `INSERT INTO kf_accounts (integration_id, open_kfid, pipeline, handoff, servicer_userid, welcome, end_message) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
     ON CONFLICT (integration_id, open_kfid) DO UPDATE SET pipeline = EXCLUDED.pipeline, handoff = EXCLUDED.handoff, servicer_userid = EXCLUDED.servicer_userid,
       welcome = EXCLUDED.welcome, end_message = EXCLUDED.end_message`,
    [integrationId, openKfid, s.pipeline ?? 'bot', s.handoff ?? 'console', s.servicerUserId ?? null, s.welcome ? JSON.stringify(s.welcome) : null, s.endMessage ?? null],
  );
}

const say = (openKfid: string, customer: string, content: string) => sim.kf.customerSends(openKfid, customer, { type: 'text', content });

async function conversationOf(openKfid: string, customer: string): Promise<ConversationView> {
  let id = '';
  await expectEventually(async () => {
    const rows: { id: string }[] = await ds.query(
      'SELECT cv.id FROM conversations cv JOIN contacts c ON c.id = cv.contact_id WHERE c.integration_id = $1 AND c.external_id = $2',
      [integrationId, `${openKfid}:${customer}`],
    );
    expect(rows).toHaveLength(1);
    id = rows[0]!.id;
  });
  return (await app.api<ConversationView>('GET', `/api/conversations/${id}`, undefined, app.adminToken)).body;
}

const conversation = async (id: string): Promise<ConversationView> => (await app.api<ConversationView>('GET', `/api/conversations/${id}`, undefined, app.adminToken)).body;
const messages = async (id: string): Promise<MessageView[]> => (await app.api<MessageView[]>('GET', `/api/conversations/${id}/messages`, undefined, app.adminToken)).body;
const kfSession = async (id: string): Promise<KfSessionView> => (await app.api<KfSessionView>('GET', `/api/conversations/${id}/kf-session`, undefined, agent.token)).body;
const window = async (id: string, token = agent.token): Promise<ReplyWindowView> => (await app.api<ReplyWindowView>('GET', `/api/conversations/${id}/reply-window`, undefined, token)).body;
const delivered = (openKfid: string, customer: string) => sim.kf.delivered({ openKfid, externalUserId: customer });
const deliveredTexts = (openKfid: string, customer: string): string[] =>
  delivered(openKfid, customer).map((m) => (m.body['text'] as { content: string } | undefined)?.content ?? `[${m.msgtype}]`);
const simState = (openKfid: string, customer: string) => sim.kf.session(openKfid, customer);
const settle = (ms = 800): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function outboundCount(conversationId: string): Promise<number> {
  const [row]: { n: string }[] = await ds.query('SELECT count(*)::text AS n FROM outbound_messages WHERE conversation_id = $1', [conversationId]);
  return Number(row!.n);
}

/** WeCom itself (a servicer in the WeCom client, or the platform) changes the session: the sim's own API. */
async function wecomTrans(openKfid: string, customer: string, state: number, servicer?: string): Promise<void> {
  const token = (await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${corp.corpId}&corpsecret=${encodeURIComponent(corp.secret)}`)).json()) as { access_token: string };
  const res = await fetch(`${sim.url}/cgi-bin/kf/service_state/trans?access_token=${token.access_token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ open_kfid: openKfid, external_userid: customer, service_state: state, ...(servicer ? { servicer_userid: servicer } : {}) }),
  });
  expect(((await res.json()) as { errcode: number }).errcode).toBe(0);
}

// ---- tests ----

it('the issue scenario: welcome, handoff to the console (state 1), an agent answers, the 5-message quota, the customer writes again, close (4) with the end message', async () => {
  const c = cust('scen');
  // The customer opens the contact link: enter_session with a welcome_code → the welcome via send_msg_on_event.
  await sim.kf.customerSends(kfA, c, { type: 'enter_session', scene: 'home' });
  await expectEventually(() => expect(delivered(kfA, c).map((m) => [m.via, m.msgtype])).toEqual([['send_msg_on_event', 'text']]));
  expect(deliveredTexts(kfA, c)).toEqual([WELCOME]);
  const conv = await conversationOf(kfA, c);
  await expectEventually(async () => expect((await messages(conv.id)).filter((m) => m.direction === 'out').map((m) => [m.text, m.status])).toEqual([[WELCOME, 'sent']]));
  // The welcome does not use the quota (it was not a send_msg), nor did the event open the window.
  expect((await window(conv.id, app.adminToken)).open).toBe(false);

  // First words: WeCom's new session (0) goes to the bot account (1).
  await say(kfA, c, '你好');
  await expectEventually(() => expect(simState(kfA, c).serviceState).toBe(1));
  await expectEventually(async () => expect(await kfSession(conv.id)).toMatchObject({ openKfId: kfA, externalUserId: c, serviceState: 1, desiredState: 1, lastError: null }));

  // Asks for a person: queued with us; the bot account keeps the chat at WeCom (console handoff → 1).
  await say(kfA, c, '转人工');
  await expectEventually(async () => expect((await conversation(conv.id)).state).toBe('queued'));
  await expectEventually(() => expect(deliveredTexts(kfA, c)).toEqual([WELCOME, '已为您转接人工客服，请稍候。']));
  await settle();
  expect(simState(kfA, c).serviceState).toBe(1);
  expect(await kfSession(conv.id)).toMatchObject({ serviceState: 1, desiredState: 1 });

  // An agent claims and answers: delivered, WeCom still at 1.
  expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token)).status).toBe(200);
  await say(kfA, c, '在吗');
  await expectEventually(async () => expect((await window(conv.id)).remainingMessages).toBe(5));
  for (let i = 1; i <= 5; i++) {
    const sent = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { text: `答复 ${i}` }, agent.token);
    expect(sent.status).toBe(201);
  }
  await expectEventually(() => expect(deliveredTexts(kfA, c).slice(2)).toEqual(['答复 1', '答复 2', '答复 3', '答复 4', '答复 5']));
  expect(simState(kfA, c)).toMatchObject({ serviceState: 1, quotaLeft: 0 });
  // The composer: quota used up; a 6th is refused and not sent.
  expect(await window(conv.id)).toMatchObject({ limited: true, open: false, remainingMessages: 0 });
  const sixth = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/messages`, { text: '答复 6' }, agent.token);
  expect(sixth.status).toBe(409);
  expect(sixth.body.code).toBe('WINDOW_CLOSED');
  await settle();
  expect(deliveredTexts(kfA, c)).toHaveLength(7);
  expect((await messages(conv.id)).map((m) => m.text)).not.toContain('答复 6');

  // The customer writes again: the quota is back.
  await say(kfA, c, '好的');
  await expectEventually(async () => expect(await window(conv.id)).toMatchObject({ open: true, remainingMessages: 5 }));

  // The agent closes: WeCom's session ends (4) and the end message goes out with the end code.
  expect((await app.api('POST', `/api/conversations/${conv.id}/close`, undefined, agent.token)).status).toBe(200);
  await expectEventually(() => expect(simState(kfA, c).serviceState).toBe(4));
  await expectEventually(() => expect(delivered(kfA, c).at(-1)).toMatchObject({ via: 'send_msg_on_event', msgtype: 'text' }));
  expect(deliveredTexts(kfA, c).at(-1)).toBe(END);
  await expectEventually(async () => expect(await kfSession(conv.id)).toMatchObject({ serviceState: 4, desiredState: 4 }));
  // WeCom's session_status_change (ended) for our own close leaves the chat closed.
  await settle();
  expect((await conversation(conv.id)).state).toBe('closed');
  const endRow = (await messages(conv.id)).filter((m) => m.direction === 'out').at(-1)!;
  expect([endRow.text, endRow.status]).toEqual([END, 'sent']);

  // The customer comes back: WeCom starts a new session (4 → 0), ours reopens with the bot, and WeCom follows (1).
  await say(kfA, c, '还有个问题');
  await expectEventually(async () => expect((await conversation(conv.id)).state).toBe('bot'));
  await expectEventually(() => expect(simState(kfA, c).serviceState).toBe(1));
  await expectEventually(async () => expect(await kfSession(conv.id)).toMatchObject({ serviceState: 1, desiredState: 1, lastError: null }));
});

it('sends a menu welcome with send_msg_on_event', async () => {
  const c = cust('menu');
  await sim.kf.customerSends(kfD, c, { type: 'enter_session' });
  await expectEventually(() => expect(delivered(kfD, c).map((m) => [m.via, m.msgtype])).toEqual([['send_msg_on_event', 'msgmenu']]));
  expect(delivered(kfD, c)[0]!.body['msgmenu']).toEqual({
    head_content: '请选择',
    list: [
      { type: 'click', click: { id: 'price', content: '价格' } },
      { type: 'click', click: { id: 'human', content: '人工' } },
    ],
    tail_content: '或直接留言',
  });
  const conv = await conversationOf(kfD, c);
  await expectEventually(async () => expect((await messages(conv.id)).filter((m) => m.direction === 'out').map((m) => [m.type, m.status])).toEqual([['menu', 'sent']]));
});

it("WeCom handoff: the chat goes to the WeCom servicer (3), the desk is read-only, the servicer's messages are stored as theirs and never answered, WeCom's end closes ours", async () => {
  const c = cust('wecom');
  await say(kfB, c, '你好');
  const conv = await conversationOf(kfB, c);
  await expectEventually(() => expect(simState(kfB, c).serviceState).toBe(1));
  await say(kfB, c, '人工');
  await expectEventually(() => expect(simState(kfB, c)).toMatchObject({ serviceState: 3, servicerUserId: 'lisi' }));
  await expectEventually(async () => expect(await conversation(conv.id)).toMatchObject({ state: 'assigned', assigneeId: null, externalServicer: 'lisi' }));
  await expectEventually(async () => expect(await kfSession(conv.id)).toMatchObject({ serviceState: 3, servicerUserId: 'lisi', desiredState: 3 }));

  // Read-only: no console sends, no claim, no transfer.
  const send = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/messages`, { text: '我来' }, app.adminToken);
  expect(send.status).toBe(409);
  expect(send.body.code).toBe('SERVICER_OWNS');
  expect(send.body.messageZh).toContain('lisi');
  const claim = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token);
  expect([claim.status, claim.body.code]).toEqual([409, 'SERVICER_OWNS']);
  const transfer = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/transfer`, { userId: agent.id }, app.adminToken);
  expect([transfer.status, transfer.body.code]).toEqual([409, 'SERVICER_OWNS']);

  // The servicer answers from the WeCom client: stored as an outgoing message of nobody of ours; the bot stays quiet.
  const before = await outboundCount(conv.id);
  await sim.kf.servicerSends(kfB, c, 'lisi', '价格是 100 元');
  await expectEventually(async () => {
    const row = (await messages(conv.id)).find((m) => m.text === '价格是 100 元');
    expect(row).toMatchObject({ direction: 'out', status: 'sent', authorId: null });
    expect((row!.content as { extra?: Record<string, string> }).extra).toMatchObject({ from_servicer: '1', servicer_userid: 'lisi' });
  });
  // The customer writes (the keyword would match): stored, unread, the bot does not answer.
  await say(kfB, c, '价格多少');
  await expectEventually(async () => expect((await messages(conv.id)).map((m) => m.text)).toContain('价格多少'));
  await settle(1000);
  expect(await outboundCount(conv.id)).toBe(before);
  expect((await conversation(conv.id)).unreadCount).toBe(1);

  // WeCom ends the session (session_status_change 3): ours closes, the servicer lets go.
  await wecomTrans(kfB, c, 4);
  await expectEventually(async () => expect(await conversation(conv.id)).toMatchObject({ state: 'closed', externalServicer: null }));
  // Both moves are audit-logged like any other transition (the system as actor).
  const audit: { action: string; actor_id: string | null; details: Record<string, unknown> }[] = await ds.query(
    `SELECT action, actor_id, details FROM audit_log WHERE target_id = $1 AND action IN ('conversation.wecom_servicer', 'conversation.close') ORDER BY id`,
    [conv.id],
  );
  expect(audit.map((a) => [a.action, a.actor_id])).toEqual([
    ['conversation.wecom_servicer', null],
    ['conversation.close', null],
  ]);
  expect(audit[0]!.details).toMatchObject({ servicerUserId: 'lisi', to: 'assigned' });
  expect(audit[1]!.details).toMatchObject({ byPlatform: true, changeType: 3, to: 'closed' });
});

it('a servicer who is not receiving: the error (95014) is kept on the session in zh/en, the chat stays queued; the next message after they start receiving moves it', async () => {
  const c = cust('stopped');
  await say(kfE, c, '你好');
  const conv = await conversationOf(kfE, c);
  await expectEventually(() => expect(simState(kfE, c).serviceState).toBe(1));
  await say(kfE, c, '人工');
  await expectEventually(async () => {
    const view = await kfSession(conv.id);
    expect(view).toMatchObject({ serviceState: 1, desiredState: 3, lastError: { code: 'PERMISSION', platformCode: '95014' } });
    expect(view.lastError!.messageZh).toContain('接待');
    expect(view.lastError!.message).toContain('not receiving');
  });
  expect(await conversation(conv.id)).toMatchObject({ state: 'queued', externalServicer: null });
  expect(simState(kfE, c).serviceState).toBe(1);

  sim.kf.setServicer(kfE, 'wangwu', 0);
  await say(kfE, c, '还在吗');
  await expectEventually(() => expect(simState(kfE, c)).toMatchObject({ serviceState: 3, servicerUserId: 'wangwu' }));
  await expectEventually(async () => expect(await conversation(conv.id)).toMatchObject({ state: 'assigned', externalServicer: 'wangwu' }));
  await expectEventually(async () => expect(await kfSession(conv.id)).toMatchObject({ serviceState: 3, servicerUserId: 'wangwu', lastError: null }));
});

it('msg_send_fail marks our message failed with the reason (the platform accepted the send, then refused it)', async () => {
  const c = cust('fail');
  sim.kf.configure({ quotaMode: 'accept' });
  try {
    await say(kfA, c, '你好');
    const conv = await conversationOf(kfA, c);
    await expectEventually(() => expect(simState(kfA, c).serviceState).toBe(1));
    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token)).status).toBe(200);
    // One message of six 2048-byte parts: the platform takes all six, delivers five, reports the sixth.
    const long = 'a'.repeat(6 * 2048 - 100);
    const sent = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { text: long }, agent.token);
    expect(sent.status).toBe(201);
    await expectEventually(async () => {
      const row = (await messages(conv.id)).find((m) => m.id === sent.body.id)!;
      expect(row.status).toBe('failed');
      expect(row.error).toMatchObject({ code: 'REJECTED', platformCode: 'fail_type_6' });
      expect(row.error!.message).toContain('超过 5 条消息限制');
      expect(row.error!.message).toContain('over the 5-message limit');
    });
    expect(delivered(kfA, c)).toHaveLength(5);
  } finally {
    sim.kf.configure({ quotaMode: 'reject' });
  }
});

it("the account's 'human' pipeline queues the customer without the bot", async () => {
  const c = cust('human');
  await say(kfC, c, '价格多少');
  const conv = await conversationOf(kfC, c);
  await expectEventually(async () => expect((await conversation(conv.id)).state).toBe('queued'));
  await expectEventually(() => expect(simState(kfC, c).serviceState).toBe(1));
  await settle(1000);
  // The keyword rule would have answered; nothing was queued for the customer.
  expect(await outboundCount(conv.id)).toBe(0);
  expect(delivered(kfC, c)).toEqual([]);
  const audit: { details: { trigger?: string } }[] = await ds.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'conversation.handoff'`, [conv.id]);
  expect(audit.map((a) => a.details.trigger)).toEqual(['pipeline']);
});

it('a recall marks the message recalled', async () => {
  const c = cust('recall');
  await say(kfA, c, '你好');
  const oops = await say(kfA, c, '说错了');
  const conv = await conversationOf(kfA, c);
  await expectEventually(async () => expect((await messages(conv.id)).map((m) => m.text)).toContain('说错了'));
  await sim.kf.recall(kfA, c, oops.entry.msgid);
  await expectEventually(async () => {
    const row = (await messages(conv.id)).find((m) => m.text === '说错了')!;
    expect(row.content).toMatchObject({ recalled: true });
  });
  const first = (await messages(conv.id)).find((m) => m.text === '你好')!;
  expect(first.content?.['recalled']).toBeUndefined();
});

it('a temporary platform error is recorded and the sync retried until WeCom is in step', async () => {
  const c = cust('retry');
  const before = sim.kf.calls('kf/service_state/get').length;
  sim.kf.script({ api: 'kf/service_state/get', fromCall: before + 1, count: 2, errcode: -1, errmsg: 'system busy' });
  try {
    await say(kfA, c, '你好');
    const conv = await conversationOf(kfA, c);
    await expectEventually(() => expect(simState(kfA, c).serviceState).toBe(1), { timeoutMs: 20_000 });
    await expectEventually(async () => expect(await kfSession(conv.id)).toMatchObject({ serviceState: 1, lastError: null }));
    // Both scripted failures were met (and retried past), not skipped.
    expect(sim.kf.calls('kf/service_state/get').slice(before).filter((call) => call.faulted)).toHaveLength(2);
  } finally {
    sim.kf.clearScripts('kf/service_state/get');
  }
});

it('imported history (extra.history) is stored as the customer\'s but never answered, acted on, counted unread, or opening the window', async () => {
  const c = cust('hist');
  const key = `${kfA}:${c}`;
  const sendTime = Math.floor(Date.now() / 1000) - 3600;
  const raws = [
    { msgid: `h1${c}`, open_kfid: kfA, external_userid: c, send_time: sendTime, origin: 3, msgtype: 'text', text: { content: '价格 (history)' } },
    { msgid: `h2${c}`, send_time: sendTime, origin: 4, msgtype: 'event', event: { event_type: 'enter_session', open_kfid: kfA, external_userid: c, welcome_code: 'OLDCODE' } },
  ];
  const ids: string[] = [];
  for (const raw of raws) {
    const event = toKfInboundEvent(raw);
    event.message.sender = { ...event.message.sender, externalId: key };
    event.message.extra = { ...event.message.extra, history: '1' };
    const [row]: { id: string }[] = await ds.query(
      `INSERT INTO inbox_events (integration_id, dedupe_key, conversation_key, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING id::text AS id`,
      [integrationId, event.dedupeKey, event.conversationKey, JSON.stringify(event.message)],
    );
    ids.push(row!.id);
  }
  const dispatcher = app.running.app.get(InboxDispatcher);
  for (const id of ids) dispatcher.dispatch({ integrationId, conversationKey: key, eventId: id });
  const conv = await conversationOf(kfA, c);
  await expectEventually(async () => expect((await messages(conv.id)).map((m) => [m.direction, m.text ?? m.type])).toEqual([['in', '价格 (history)'], ['in', 'event']]));
  await settle(1000);
  expect(await outboundCount(conv.id)).toBe(0);
  expect(await conversation(conv.id)).toMatchObject({ state: 'bot', unreadCount: 0, lastInboundAt: null });
  expect(delivered(kfA, c)).toEqual([]);
});

it('GET /api/conversations/:id/kf-session: 404 NOT_KF for a chat of another platform, 404 for an unknown one', async () => {
  const wecom = await newSimCorp(app, sim, { name: 'not kf' });
  const other = await openSimConversation(app, sim, wecom, 'zhangsan');
  const res = await app.api<ErrorBody>('GET', `/api/conversations/${other.id}/kf-session`, undefined, agent.token);
  expect([res.status, res.body.code]).toEqual([404, 'NOT_KF']);
  expect(res.body.messageZh).toContain('微信客服');
  expect((await app.api('GET', '/api/conversations/00000000-0000-4000-8000-000000000000/kf-session', undefined, agent.token)).status).toBe(404);
});
