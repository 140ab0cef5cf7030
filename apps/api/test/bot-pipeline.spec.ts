import type { DataSource } from 'typeorm';
import type { BotSettingsView, ConversationView, OutgoingMessage } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually, FakeOpenAiServer } from '@imbridge/testing';
import { DEFAULT_FALLBACK_TEXT } from '../src/bot/bot-settings.service';
import { HANDOFF_ACK, HANDOFF_KEYWORDS } from '../src/keyword-rules/handoff';
import { FAST, newAgent, openDataSource, rerunInboxEventTwice, type ErrorBody } from './helpers';
import { newSimCorp, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * The bot pipeline end to end: settings over REST (validation, write-only secret, audit), the step
 * order (keyword → FAQ → external app, each switchable and reorderable), an OpenAI-compatible app
 * served by a local fake (streaming, history, timeout), a signed webhook, the fallback, and handoff
 * after N failures or on the app's marker — observed as messages delivered at the WeCom simulator.
 */

jest.setTimeout(60_000);

const API_KEY = 'sk-test-0123456789abcdefWXYZ';

interface TestResult {
  answeredBy: string | null;
  messages: OutgoingMessage[];
  suggestions?: string[];
  error?: { code: string; message: string; messageZh: string };
  ms: number;
}

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let fake: FakeOpenAiServer;
let agentToken = '';

beforeAll(async () => {
  fake = await FakeOpenAiServer.start();
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
  ds = await openDataSource(app);
  agentToken = (await newAgent(app, 'bot-agent')).token;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

// ---- helpers ----

/** A corp whose bot runs with the defaults (whatever quieter settings a shared helper may save). */
async function newCorp(): Promise<SimCorp> {
  const corp = await newSimCorp(app, sim, { name: 'bot' });
  await ds.query('DELETE FROM bot_settings WHERE integration_id = $1', [corp.integrationId]);
  return corp;
}

const putBot = (corp: SimCorp, body: Record<string, unknown>, token = app.adminToken) =>
  app.api<BotSettingsView & ErrorBody>('PUT', `/api/integrations/${corp.integrationId}/bot`, body, token);

async function configure(corp: SimCorp, body: Record<string, unknown>): Promise<BotSettingsView> {
  const res = await putBot(corp, body);
  expect({ status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
  return res.body;
}

const openaiApp = (over: Record<string, unknown> = {}) => ({
  kind: 'openai',
  url: fake.url,
  model: 'qa-bot-7',
  systemPrompt: '你是客服助手',
  historyMessages: 10,
  timeoutMs: 5000,
  stream: true,
  handoffMarker: '[[HUMAN]]',
  ...over,
});

const tryIt = async (corp: SimCorp, text: string): Promise<TestResult> => {
  const res = await app.api<TestResult>('POST', `/api/integrations/${corp.integrationId}/bot/test`, { text }, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
};

async function keywordRule(corp: SimCorp, keyword: string, reply: string): Promise<void> {
  const res = await app.api('POST', '/api/keyword-rules', { integrationId: corp.integrationId, keywords: [keyword], matchType: 'contains', reply: { type: 'text', text: reply } }, app.adminToken);
  expect(res.status).toBe(201);
}

/** Straight into the table: the FAQ REST API belongs to another part of the work. */
async function faqEntry(corp: SimCorp, question: string, answer: string, similar: string[] = []): Promise<string> {
  const [row] = await ds.query(`INSERT INTO faq_entries (integration_id, category, question, similar_questions, answer) VALUES ($1, '测试', $2, $3::jsonb, $4) RETURNING id`, [
    corp.integrationId,
    question,
    JSON.stringify(similar),
    answer,
  ]);
  return row.id as string;
}

async function say(corp: SimCorp, userId: string, content: string): Promise<void> {
  const pushed = await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content });
  expect(pushed.responses.map((r) => r.status)).toEqual([200]);
}

/** What the member received, as text (text or markdown messages). */
/**
 * What the member reads. The same reply a second time within WeCom's duplicate-check hour carries
 * invisible zero-width spaces (so that WeCom delivers it), left out here.
 */
const deliveredTo = (corp: SimCorp, userId: string): string[] =>
  sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId)
    .map((m) => (((m.body['text'] ?? m.body['markdown']) as { content: string } | undefined)?.content ?? `[${String(m.body['msgtype'])}]`).replaceAll('\u200b', ''));

async function conversationOf(corp: SimCorp, userId: string): Promise<ConversationView> {
  return expectEventually(async () => {
    const res = await app.api<ConversationView[]>('GET', `/api/conversations?integrationId=${corp.integrationId}`, undefined, app.adminToken);
    const conv = res.body.find((c) => c.contact.externalId === userId);
    expect(conv).toBeDefined();
    return conv!;
  });
}

const settle = (ms = 600): Promise<void> => new Promise((r) => setTimeout(r, ms));

const completionRequests = () => fake.requests.filter((r) => r.path === '/v1/chat/completions');

// ---- settings ----

describe('bot settings API', () => {
  it('answers the defaults for an integration that never saved any', async () => {
    const corp = await newCorp();
    const res = await app.api<BotSettingsView>('GET', `/api/integrations/${corp.integrationId}/bot`, undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      integrationId: corp.integrationId,
      steps: [
        { step: 'keyword', enabled: true },
        { step: 'faq', enabled: true },
        { step: 'app', enabled: true },
      ],
      faqThreshold: 0.3,
      faqSuggestions: true,
      fallbackText: DEFAULT_FALLBACK_TEXT,
      handoffAfterFailures: 3,
      handoffKeywords: [...HANDOFF_KEYWORDS],
      autoAssign: true,
      externalApp: null,
      appSecret: { set: false, last4: null },
      updatedAt: null,
    });
  });

  it('stores the key write-only (set, last 4), never returns or audits it, and can clear it', async () => {
    const corp = await newCorp();
    const saved = await configure(corp, { externalApp: openaiApp(), appSecret: API_KEY, faqThreshold: 0.45, handoffKeywords: [' 找人工 ', '投诉'] });
    expect(saved).toMatchObject({ externalApp: openaiApp(), appSecret: { set: true, last4: 'WXYZ' }, faqThreshold: 0.45, handoffKeywords: ['找人工', '投诉'] });
    expect(saved.updatedAt).toEqual(expect.any(String));
    const got = await app.api('GET', `/api/integrations/${corp.integrationId}/bot`, undefined, app.adminToken);
    expect(JSON.stringify(got.body)).not.toContain(API_KEY);
    expect(JSON.stringify(got.body)).not.toContain('0123456789abcdef');

    // Sealed in the database, bound to the row.
    const [row] = await ds.query('SELECT app_secret_enc FROM bot_settings WHERE integration_id = $1', [corp.integrationId]);
    expect(row.app_secret_enc).toEqual(expect.any(String));
    expect(row.app_secret_enc).not.toContain(API_KEY);
    const audit: { action: string; details: Record<string, unknown> }[] = await ds.query(`SELECT action, details FROM audit_log WHERE target_id = $1 AND action = 'bot_settings.update'`, [
      corp.integrationId,
    ]);
    const setting = audit.filter((a) => a.details['secret'] === 'set');
    expect(setting).toHaveLength(1);
    expect(setting[0]!.details).toMatchObject({ secret: 'set', externalApp: { kind: 'openai' } });
    expect(JSON.stringify(audit)).not.toContain(API_KEY);

    // Saving other fields keeps the key; the test box and the pipeline still use it.
    expect((await configure(corp, { faqSuggestions: false })).appSecret).toEqual({ set: true, last4: 'WXYZ' });
    fake.reply = '密钥有效';
    expect((await tryIt(corp, '你好')).messages).toEqual([{ type: 'text', text: '密钥有效' }]);
    expect(completionRequests()[0]!.headers['authorization']).toBe(`Bearer ${API_KEY}`);

    expect((await configure(corp, { clearAppSecret: true })).appSecret).toEqual({ set: false, last4: null });
  });

  it('refuses bad input with 400 and bilingual field errors; agents cannot read or change it', async () => {
    const corp = await newCorp();
    const cases: [Record<string, unknown>, string][] = [
      [{ externalApp: openaiApp({ timeoutMs: 500 }) }, 'timeoutMs'],
      [{ externalApp: openaiApp({ timeoutMs: 60001 }) }, 'timeoutMs'],
      [{ externalApp: openaiApp({ historyMessages: 51 }) }, 'historyMessages'],
      [{ externalApp: openaiApp({ url: 'ftp://example.com/v1' }) }, 'externalApp.url'],
      [{ externalApp: openaiApp({ url: 'not a url' }) }, 'externalApp.url'],
      [{ externalApp: openaiApp({ kind: 'grpc' }) }, 'kind'],
      [{ externalApp: openaiApp({ model: '' }) }, 'externalApp.model'],
      [{ externalApp: { ...openaiApp(), kind: 'webhook', url: fake.webhookUrl } }, 'appSecret'],
      [{ steps: [{ step: 'faq', enabled: true }, { step: 'faq', enabled: false }] }, 'steps'],
      [{ steps: [{ step: 'llm', enabled: true }] }, 'step'],
      [{ faqThreshold: 1.5 }, 'faqThreshold'],
      [{ handoffAfterFailures: -1 }, 'handoffAfterFailures'],
      [{ handoffKeywords: [''] }, 'handoffKeywords'],
      [{ appSecret: 'x'.repeat(20), clearAppSecret: true }, 'appSecret'],
      [{ surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await putBot(corp, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.message).toContain(field);
      expect(res.body.messageZh).toEqual(expect.any(String));
    }
    const zh = await putBot(corp, { externalApp: openaiApp({ timeoutMs: 500 }) });
    expect(zh.body.message).toMatch(/1000\.\.60000.*毫秒/);
    // Nothing was stored by the refused requests.
    expect((await ds.query('SELECT count(*)::int AS n FROM bot_settings WHERE integration_id = $1', [corp.integrationId]))[0].n).toBe(0);

    expect((await app.api('GET', `/api/integrations/${corp.integrationId}/bot`, undefined, agentToken)).status).toBe(403);
    expect((await putBot(corp, { faqThreshold: 0.5 }, agentToken)).status).toBe(403);
    expect((await app.api('POST', `/api/integrations/${corp.integrationId}/bot/test`, { text: 'x' }, agentToken)).status).toBe(403);
    expect((await app.api('GET', `/api/integrations/00000000-0000-4000-8000-000000000000/bot`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api('GET', `/api/integrations/nope/bot`, undefined, app.adminToken)).status).toBe(404);
  });
});

// ---- order ----

describe('step order', () => {
  it('keyword → FAQ → app by default; each step can be switched off; the order can be changed', async () => {
    const corp = await newCorp();
    await keywordRule(corp, '营业时间', '关键词：9:00-18:00');
    await faqEntry(corp, '你们的营业时间是什么时候', 'FAQ：每天九点到六点', ['几点开门', '营业时间']);
    await configure(corp, { externalApp: openaiApp({ stream: false }), appSecret: API_KEY });
    fake.reply = '应用：我们全天在线';

    expect(await tryIt(corp, '营业时间')).toMatchObject({ answeredBy: 'keyword', messages: [{ type: 'text', text: '关键词：9:00-18:00' }] });
    await configure(corp, { steps: [{ step: 'keyword', enabled: false }, { step: 'faq', enabled: true }, { step: 'app', enabled: true }] });
    expect(await tryIt(corp, '营业时间')).toMatchObject({ answeredBy: 'faq', messages: [{ text: 'FAQ：每天九点到六点' }] });
    await configure(corp, { steps: [{ step: 'keyword', enabled: false }, { step: 'faq', enabled: false }, { step: 'app', enabled: true }] });
    expect(await tryIt(corp, '营业时间')).toMatchObject({ answeredBy: 'app', messages: [{ type: 'text', text: '应用：我们全天在线' }] });
    // Reordered: the app first, then keywords.
    await configure(corp, { steps: [{ step: 'app', enabled: true }, { step: 'keyword', enabled: true }, { step: 'faq', enabled: true }] });
    expect(await tryIt(corp, '营业时间')).toMatchObject({ answeredBy: 'app' });
    expect((await app.api<BotSettingsView>('GET', `/api/integrations/${corp.integrationId}/bot`, undefined, app.adminToken)).body.steps.map((s) => s.step)).toEqual(['app', 'keyword', 'faq']);
    // The app failing: the next step answers.
    fake.mode = 'error';
    const fallenThrough = await tryIt(corp, '营业时间');
    expect(fallenThrough).toMatchObject({ answeredBy: 'keyword', messages: [{ text: '关键词：9:00-18:00' }] });
    // Nothing answers: the fallback text, and why the app did not answer.
    const nothing = await tryIt(corp, '完全无关的问题');
    expect(nothing).toMatchObject({ answeredBy: 'fallback', messages: [{ type: 'text', text: DEFAULT_FALLBACK_TEXT }], error: { code: 'APP_HTTP_ERROR' } });
    // Handoff keywords come first, whatever the steps.
    expect(await tryIt(corp, '转人工')).toMatchObject({ answeredBy: 'handoff', messages: [{ type: 'text', text: HANDOFF_ACK }] });
    // The test box sends nothing.
    expect(sim.wecom.sentMessages(corp.corpId)).toEqual([]);
  });

  it('delivers the answer of each step at the simulator and records which step answered', async () => {
    const corp = await newCorp();
    await keywordRule(corp, '价格', '价格表见官网');
    await configure(corp, { externalApp: openaiApp(), appSecret: API_KEY });
    fake.reply = '应用回答';
    await say(corp, 'order-u', '价格');
    await expectEventually(() => expect(deliveredTo(corp, 'order-u')).toEqual(['价格表见官网']));
    await say(corp, 'order-u', '别的问题');
    await expectEventually(() => expect(deliveredTo(corp, 'order-u')).toEqual(['价格表见官网', '应用回答']));
    const conv = await conversationOf(corp, 'order-u');
    const sources: { source: string }[] = await ds.query('SELECT source FROM bot_replies WHERE conversation_id = $1 ORDER BY inbox_event_id', [conv.id]);
    expect(sources.map((s) => s.source)).toEqual(['keyword', 'app']);
  });
});

// ---- external app ----

describe('OpenAI-compatible app', () => {
  it('assembles a streamed answer (slow chunks, split UTF-8) before sending, with model, key, system prompt and history', async () => {
    const corp = await newCorp();
    await configure(corp, { externalApp: openaiApp({ historyMessages: 4 }), appSecret: API_KEY });
    fake.reply = '第一条回答：退货请在七天内申请。😀';
    fake.chunkDelayMs = 2;
    fake.writeBytes = 5;
    await say(corp, 'stream-u', '怎么退货？');
    await expectEventually(() => expect(deliveredTo(corp, 'stream-u')).toEqual(['第一条回答：退货请在七天内申请。😀']));
    const first = completionRequests()[0]!;
    expect(first.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(first.body).toEqual({
      model: 'qa-bot-7',
      stream: true,
      messages: [
        { role: 'system', content: '你是客服助手' },
        { role: 'user', content: '怎么退货？' },
      ],
    });

    fake.reply = '第二条回答';
    await say(corp, 'stream-u', '运费谁出？');
    await expectEventually(() => expect(deliveredTo(corp, 'stream-u')).toHaveLength(2));
    expect(deliveredTo(corp, 'stream-u')[1]).toBe('第二条回答');
    expect((completionRequests()[1]!.body as { messages: unknown[] }).messages).toEqual([
      { role: 'system', content: '你是客服助手' },
      { role: 'user', content: '怎么退货？' },
      { role: 'assistant', content: '第一条回答：退货请在七天内申请。😀' },
      { role: 'user', content: '运费谁出？' },
    ]);
    // Notes are not history.
    const conv = await conversationOf(corp, 'stream-u');
    await ds.query(`INSERT INTO messages (conversation_id, integration_id, direction, type, text, status) VALUES ($1, $2, 'note', 'text', '内部备注', 'sent')`, [conv.id, corp.integrationId]);
    fake.reply = '第三条回答';
    await say(corp, 'stream-u', '好的');
    await expectEventually(() => expect(deliveredTo(corp, 'stream-u')).toHaveLength(3));
    const third = (completionRequests()[2]!.body as { messages: { role: string; content: string }[] }).messages;
    // The last 4 messages before this one: the note does not take a place.
    expect(third.map((m) => m.content)).toEqual(['你是客服助手', '怎么退货？', '第一条回答：退货请在七天内申请。😀', '运费谁出？', '第二条回答', '好的']);
    expect(JSON.stringify(third)).not.toContain('内部备注');
  });

  it('falls back within the timeout when the app hangs, and counts the failure', async () => {
    const corp = await newCorp();
    await configure(corp, { externalApp: openaiApp({ timeoutMs: 1000 }), appSecret: API_KEY, handoffAfterFailures: 0 });
    fake.mode = 'hang';
    const started = Date.now();
    await say(corp, 'slow-u', '在吗？');
    await expectEventually(() => expect(deliveredTo(corp, 'slow-u')).toEqual([DEFAULT_FALLBACK_TEXT]), { timeoutMs: 10_000, intervalMs: 50 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1000 + 3000);
    const conv = await conversationOf(corp, 'slow-u');
    const [row] = await ds.query('SELECT bot_failures, state FROM conversations WHERE id = $1', [conv.id]);
    expect(row).toEqual({ bot_failures: 1, state: 'bot' });

    // The next answer resets the streak.
    fake.mode = 'ok';
    fake.reply = '恢复了';
    await say(corp, 'slow-u', '在吗？');
    await expectEventually(() => expect(deliveredTo(corp, 'slow-u')).toEqual([DEFAULT_FALLBACK_TEXT, '恢复了']));
    expect((await ds.query('SELECT bot_failures FROM conversations WHERE id = $1', [conv.id]))[0].bot_failures).toBe(0);
  });

  it('hands the chat to agents when the reply carries the marker (removed), with one acknowledgement', async () => {
    const corp = await newCorp();
    await configure(corp, { externalApp: openaiApp({ stream: false }), appSecret: API_KEY });
    fake.reply = '这个问题需要人工处理。[[HUMAN]]';
    await say(corp, 'marker-u', '我要投诉你们的快递');
    await expectEventually(() => expect(deliveredTo(corp, 'marker-u')).toEqual(['这个问题需要人工处理。', HANDOFF_ACK]));
    const conv = await conversationOf(corp, 'marker-u');
    expect(conv.state).toBe('queued');
    const audit: { details: { trigger: string } }[] = await ds.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'conversation.handoff'`, [conv.id]);
    expect(audit.map((a) => a.details.trigger)).toEqual(['app']);
    // Queued: the bot (and the app) stay silent.
    const asked = completionRequests().length;
    await say(corp, 'marker-u', '还在吗');
    await settle();
    expect(completionRequests()).toHaveLength(asked);
    expect(deliveredTo(corp, 'marker-u')).toHaveLength(2);
  });
});

describe('exactly once', () => {
  it('a re-run of an answered event (twice at once) neither asks for a second send nor counts a failure again', async () => {
    const corp = await newCorp();
    await configure(corp, { externalApp: openaiApp({ stream: false }), appSecret: API_KEY });
    fake.reply = '只回答一次';
    await say(corp, 'once-u', '问题');
    await expectEventually(() => expect(deliveredTo(corp, 'once-u')).toEqual(['只回答一次']));
    const conv = await conversationOf(corp, 'once-u');
    await rerunInboxEventTwice(app, ds, corp.integrationId, conv.id);
    await settle();
    expect(deliveredTo(corp, 'once-u')).toEqual(['只回答一次']);
    const out: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND direction = 'out'`, [conv.id]);
    expect(out[0]!.n).toBe(1);

    // Same for an unanswered event: the failure is counted once.
    fake.mode = 'error';
    await say(corp, 'once-u', '另一个问题');
    await expectEventually(() => expect(deliveredTo(corp, 'once-u')).toEqual(['只回答一次', DEFAULT_FALLBACK_TEXT]));
    await rerunInboxEventTwice(app, ds, corp.integrationId, conv.id, 1);
    await settle();
    expect(deliveredTo(corp, 'once-u')).toHaveLength(2);
    expect((await ds.query('SELECT bot_failures FROM conversations WHERE id = $1', [conv.id]))[0].bot_failures).toBe(1);
  });
});

describe('failures and handoff', () => {
  it('after N unanswered messages in a row the chat is queued with exactly one acknowledgement', async () => {
    const corp = await newCorp();
    await configure(corp, { handoffAfterFailures: 3, fallbackText: '没听懂' });
    await say(corp, 'fail-u', '啊');
    await expectEventually(() => expect(deliveredTo(corp, 'fail-u')).toEqual(['没听懂']));
    await say(corp, 'fail-u', '啊啊');
    await expectEventually(() => expect(deliveredTo(corp, 'fail-u')).toEqual(['没听懂', '没听懂']));
    await say(corp, 'fail-u', '啊啊啊');
    await expectEventually(() => expect(deliveredTo(corp, 'fail-u')).toEqual(['没听懂', '没听懂', HANDOFF_ACK]));
    const conv = await conversationOf(corp, 'fail-u');
    expect(conv.state).toBe('queued');
    const [row] = await ds.query('SELECT bot_failures, queued_at FROM conversations WHERE id = $1', [conv.id]);
    expect(row.bot_failures).toBe(0);
    const sources: { source: string }[] = await ds.query('SELECT source FROM bot_replies WHERE conversation_id = $1 ORDER BY inbox_event_id', [conv.id]);
    expect(sources.map((s) => s.source)).toEqual(['fallback', 'fallback', 'handoff']);
    const audit: { details: { trigger: string; failures: number } }[] = await ds.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'conversation.handoff'`, [conv.id]);
    expect(audit.map((a) => [a.details.trigger, a.details.failures])).toEqual([['failures', 3]]);
    await say(corp, 'fail-u', '啊啊啊啊');
    await settle();
    expect(deliveredTo(corp, 'fail-u')).toHaveLength(3);
  });

  it('uses the configured handoff keywords', async () => {
    const corp = await newCorp();
    await configure(corp, { handoffKeywords: ['找经理'], fallbackText: null, handoffAfterFailures: 0 });
    await say(corp, 'kw-u', '转人工');
    await settle(1000);
    expect(deliveredTo(corp, 'kw-u')).toEqual([]); // not a keyword any more, no fallback text
    await say(corp, 'kw-u', '我要找经理');
    await expectEventually(() => expect(deliveredTo(corp, 'kw-u')).toEqual([HANDOFF_ACK]));
    expect((await conversationOf(corp, 'kw-u')).state).toBe('queued');
  });
});

describe('webhook app', () => {
  it('signs the request (verified by the receiver) and delivers its reply; handoff: true queues the chat', async () => {
    const corp = await newCorp();
    await configure(corp, { externalApp: { kind: 'webhook', url: fake.webhookUrl, historyMessages: 5, timeoutMs: 5000, stream: false }, appSecret: fake.webhookSecret });
    fake.webhookReply = { reply: { text: '来自 Webhook 的回答', links: [{ title: '帮助中心', url: 'https://help.example.com' }] } };
    await say(corp, 'hook-u', '帮我查订单');
    await expectEventually(() => expect(deliveredTo(corp, 'hook-u')).toEqual(['来自 Webhook 的回答', '[news]']));
    const req = fake.requests.find((r) => r.path === '/webhook')!;
    expect(req.signatureValid).toBe(true);
    expect(Number(req.headers['x-imbridge-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    const conv = await conversationOf(corp, 'hook-u');
    expect(req.body).toEqual({
      event: 'message',
      integrationId: corp.integrationId,
      conversationId: conv.id,
      contact: { externalId: 'hook-u', displayName: null },
      message: { type: 'text', text: '帮我查订单', sentAt: expect.any(String) },
      history: [],
    });

    fake.webhookReply = { handoff: true };
    await say(corp, 'hook-u', '不行，我要找人');
    await expectEventually(() => expect(deliveredTo(corp, 'hook-u')).toEqual(['来自 Webhook 的回答', '[news]', HANDOFF_ACK]));
    expect((await conversationOf(corp, 'hook-u')).state).toBe('queued');
    const second = fake.requests.filter((r) => r.path === '/webhook')[1]!;
    expect((second.body as { history: { role: string; text: string }[] }).history.map((h) => [h.role, h.text])).toEqual([
      ['user', '帮我查订单'],
      ['assistant', '来自 Webhook 的回答'],
    ]);
  });

  it('treats a wrong secret (the receiver answers 401) as not answered', async () => {
    const corp = await newCorp();
    await configure(corp, { externalApp: { kind: 'webhook', url: fake.webhookUrl, historyMessages: 0, timeoutMs: 5000, stream: false }, appSecret: 'not-the-receivers-secret' });
    const result = await tryIt(corp, '你好');
    expect(result).toMatchObject({ answeredBy: 'fallback', error: { code: 'APP_HTTP_ERROR' } });
    expect(fake.requests.find((r) => r.path === '/webhook')!.signatureValid).toBe(false);
  });
});

describe('FAQ step', () => {
  it('answers a matching entry, and offers "did you mean" that a reply of "1" answers', async () => {
    const corp = await newCorp();
    const refund = await faqEntry(corp, '如何申请退款', '在订单页点击“申请退款”即可。', ['怎么退款', '退款流程']);
    await faqEntry(corp, '退款多久到账', '一般 1 到 3 个工作日到账。', ['退款什么时候到']);
    await configure(corp, { steps: [{ step: 'faq', enabled: true }, { step: 'keyword', enabled: true }, { step: 'app', enabled: false }], faqThreshold: 0.9, faqSuggestions: true });
    const dry = await tryIt(corp, '退款');
    expect(dry.answeredBy).toBe('faq');
    expect(dry.suggestions?.length).toBeGreaterThan(0);
    await say(corp, 'faq-u', '退款');
    const offered = await expectEventually(() => {
      const got = deliveredTo(corp, 'faq-u');
      expect(got).toHaveLength(1);
      expect(got[0]).toMatch(/^您是不是想问：\n1\. /);
      return got[0]!;
    });
    const lines = offered.split('\n').slice(1);
    const pick = lines.findIndex((l) => l.includes('如何申请退款')) + 1;
    expect(pick).toBeGreaterThan(0);
    await say(corp, 'faq-u', String(pick));
    await expectEventually(() => expect(deliveredTo(corp, 'faq-u')).toEqual([offered, '在订单页点击“申请退款”即可。']));
    const conv = await conversationOf(corp, 'faq-u');
    const rows: { source: string; rule_id: string | null }[] = await ds.query('SELECT source, rule_id FROM bot_replies WHERE conversation_id = $1 ORDER BY inbox_event_id', [conv.id]);
    expect(rows).toEqual([
      { source: 'faq', rule_id: null },
      { source: 'faq', rule_id: refund },
    ]);
  });
});
