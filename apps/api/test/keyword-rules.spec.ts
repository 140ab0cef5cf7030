import { newSimCorp, type SimCorp } from './sim-corp';
import type { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import type { ConversationView, MessageView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import type { KeywordRuleView, KeywordTestResult } from '../src/keyword-rules/keyword-rule.dto';
import { FAST, newAgent, openDataSource, rerunInboxEventTwice, type ErrorBody } from './helpers';
import { startTestApp, type TestApp } from './test-app';

/**
 * Keyword auto-replies end to end: the rules API, then a simulated WeCom member whose message goes
 * through the callback, the inbox, the bot pipeline, the outbox and message/send back to the simulator.
 */

jest.setTimeout(30_000);

const AGENT_ID = 1000002;

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let agentToken = '';

type Corp = SimCorp;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
  ds = await openDataSource(app);
  agentToken = (await newAgent(app, 'kw-agent')).token;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

// ---- helpers ----


async function newCorp(): Promise<Corp> {
  return newSimCorp(app, sim, { name: 'keywords', agentId: AGENT_ID });
}

async function createRule(body: Record<string, unknown>): Promise<KeywordRuleView> {
  const res = await app.api<KeywordRuleView>('POST', '/api/keyword-rules', body, app.adminToken);
  expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({ status: 201, body: 'created' });
  return res.body;
}

const textRule = (integrationId: string | null, keywords: string[], text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  integrationId,
  keywords,
  matchType: 'exact',
  reply: { type: 'text', text },
  ...extra,
});

async function testBox(integrationId: string | null | undefined, text: string, token = app.adminToken): Promise<KeywordTestResult> {
  const res = await app.api<KeywordTestResult>('POST', '/api/keyword-rules/test', { ...(integrationId !== undefined ? { integrationId } : {}), text }, token);
  expect(res.status).toBe(200);
  return res.body;
}

async function say(corp: Corp, userId: string, content: string, deliveries = 1): Promise<void> {
  const pushed = await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content }, { deliveries });
  expect(pushed.responses.map((r) => r.status)).toEqual(Array.from({ length: deliveries }, () => 200));
}

async function conversationOf(corp: Corp, userId: string): Promise<ConversationView> {
  return expectEventually(async () => {
    const res = await app.api<ConversationView[]>('GET', `/api/conversations?integrationId=${corp.integrationId}`, undefined, app.adminToken);
    const conv = res.body.find((c) => c.contact.externalId === userId);
    expect(conv).toBeDefined();
    return conv!;
  });
}

async function messagesOf(conversationId: string): Promise<MessageView[]> {
  const res = await app.api<MessageView[]>('GET', `/api/conversations/${conversationId}/messages`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

/** Texts the simulator accepted for one member of the corp, in arrival order. */
const deliveredTo = (corp: Corp, userId: string): string[] =>
  sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId)
    .map((m) => (m.body['text'] as { content: string }).content);

/** Waits until every inbox event of the integration has been processed. */
async function inboxSettled(corp: Corp, events: number): Promise<void> {
  await expectEventually(async () => {
    const rows: { status: string }[] = await ds.query(`SELECT status FROM inbox_events WHERE integration_id = $1`, [corp.integrationId]);
    expect(rows.map((r) => r.status)).toEqual(Array.from({ length: events }, () => 'processed'));
  });
}

/** Lets the queue run for a while so that a reply which should not exist would have shown up. */
const settle = (ms = 800): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- tests ----

describe('keyword rules API', () => {
  it('creates, reads, lists in priority order, updates partially and deletes, auditing each change', async () => {
    const corp = await newCorp();
    const low = await createRule(textRule(corp.integrationId, ['  退货 ', '退款'], '退货请联系客服', { name: '退货', priority: 1 }));
    expect(low).toMatchObject({ integrationId: corp.integrationId, name: '退货', keywords: ['退货', '退款'], matchType: 'exact', priority: 1, enabled: true, reply: { type: 'text', text: '退货请联系客服' } });
    expect(Object.keys(low).sort()).toEqual(['createdAt', 'enabled', 'id', 'integrationId', 'keywords', 'matchType', 'name', 'priority', 'reply', 'updatedAt']);
    const high = await createRule({
      integrationId: corp.integrationId,
      keywords: ['新品'],
      matchType: 'contains',
      priority: 5,
      reply: { type: 'news', articles: [{ title: '新品上市', description: '秋季新品', url: 'https://example.com/new', picUrl: 'https://example.com/new.png' }] },
    });
    const tie = await createRule(textRule(corp.integrationId, ['优惠'], '本周优惠', { priority: 1 }));
    const global = await createRule({ integrationId: null, keywords: ['https://example.com/x.png'], matchType: 'exact', reply: { type: 'image', url: 'https://example.com/x.png' } });
    expect(global).toMatchObject({ integrationId: null, name: '', priority: 0, enabled: true });

    const listed = await app.api<KeywordRuleView[]>('GET', `/api/keyword-rules?integrationId=${corp.integrationId}`, undefined, app.adminToken);
    expect(listed.body.map((r) => r.id)).toEqual([high.id, low.id, tie.id]);
    const all = await app.api<KeywordRuleView[]>('GET', '/api/keyword-rules', undefined, app.adminToken);
    expect(all.body.map((r) => r.id)).toEqual(expect.arrayContaining([high.id, low.id, tie.id, global.id]));

    const got = await app.api<KeywordRuleView>('GET', `/api/keyword-rules/${high.id}`, undefined, app.adminToken);
    expect(got.body).toEqual(high);

    const put = await app.api<KeywordRuleView>('PUT', `/api/keyword-rules/${low.id}`, { priority: 9, enabled: false }, app.adminToken);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: low.id, priority: 9, enabled: false, keywords: ['退货', '退款'], reply: low.reply, name: '退货' });
    const toGlobal = await app.api<KeywordRuleView>('PUT', `/api/keyword-rules/${tie.id}`, { integrationId: null }, app.adminToken);
    expect(toGlobal.body.integrationId).toBeNull();

    const del = await app.api('DELETE', `/api/keyword-rules/${low.id}`, undefined, app.adminToken);
    expect(del.status).toBe(204);
    expect((await app.api<ErrorBody>('GET', `/api/keyword-rules/${low.id}`, undefined, app.adminToken)).body.code).toBe('NOT_FOUND');
    expect((await app.api('DELETE', `/api/keyword-rules/${low.id}`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api('GET', '/api/keyword-rules/not-a-uuid', undefined, app.adminToken)).status).toBe(404);

    const audit: { action: string; actor_name: string }[] = await ds.query(`SELECT action, actor_name FROM audit_log WHERE target_type = 'keyword_rule' AND target_id = $1 ORDER BY id`, [low.id]);
    expect(audit).toEqual([
      { action: 'keyword_rule.create', actor_name: 'admin' },
      { action: 'keyword_rule.update', actor_name: 'admin' },
      { action: 'keyword_rule.delete', actor_name: 'admin' },
    ]);
  });

  it('refuses invalid rules with VALIDATION_FAILED and per-field details in both languages', async () => {
    const corp = await newCorp();
    const refused = async (body: Record<string, unknown>, field: string, method = 'POST', path = '/api/keyword-rules'): Promise<ErrorBody> => {
      const res = await app.api<ErrorBody>(method, path, body, app.adminToken);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.statusCode).toBe(400);
      expect(res.body.messageZh).toBeTruthy();
      expect(res.body.details!.map((d) => d.field)).toContain(field);
      for (const d of res.body.details!) expect(d.message).toEqual({ zh: expect.any(String), en: expect.any(String) });
      return res.body;
    };
    const base = textRule(corp.integrationId, ['价格'], '价格表');

    const bad = await refused({ ...base, matchType: 'regex', keywords: ['ok', '(unclosed'] }, 'keywords[1]');
    expect(bad.details![0]!.message.en).toContain('invalid regex');
    const catastrophic = await refused({ ...base, matchType: 'regex', keywords: ['^(a+)+$'] }, 'keywords[0]');
    expect(catastrophic.details![0]!.message.en).toContain('catastroph');
    expect(catastrophic.details![0]!.message.zh).toContain('回溯');
    await refused({ ...base, matchType: 'regex', keywords: ['a'.repeat(101)] }, 'keywords');
    await refused({ ...base, keywords: [] }, 'keywords');
    await refused({ ...base, keywords: ['   '] }, 'keywords');
    await refused({ ...base, keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) }, 'keywords');
    await refused({ ...base, matchType: 'fuzzy' }, 'matchType');
    await refused({ ...base, priority: 1.5 }, 'priority');
    await refused({ ...base, integrationId: 'nope' }, 'integrationId');
    await refused({ ...base, integrationId: undefined }, 'integrationId');
    await refused({ ...base, integrationId: '00000000-0000-4000-8000-000000000000' }, 'integrationId');
    await refused({ ...base, reply: { type: 'text', text: '' } }, 'reply.text');
    await refused({ ...base, reply: { type: 'voice', mediaId: 'x' } }, 'reply.type');
    await refused({ ...base, reply: { type: 'image', url: 'javascript:alert(1)' } }, 'reply.url');
    await refused({ ...base, reply: { type: 'news', articles: [] } }, 'reply.articles');
    await refused({ ...base, reply: { type: 'news', articles: Array.from({ length: 9 }, (_, i) => ({ title: `t${i}` })) } }, 'reply.articles');
    await refused({ ...base, reply: { type: 'news', articles: [{ title: 'ok' }, { description: 'no title' }] } }, 'reply.articles[1].title');
    await refused({ ...base, unexpected: true }, 'unexpected');

    // A partial update is checked against the whole rule: switching to regex validates the keywords.
    const rule = await createRule(textRule(corp.integrationId, ['(a+)+'], '看起来像正则'));
    await refused({ matchType: 'regex' }, 'keywords[0]', 'PUT', `/api/keyword-rules/${rule.id}`);
    expect((await app.api<KeywordRuleView>('GET', `/api/keyword-rules/${rule.id}`, undefined, app.adminToken)).body.matchType).toBe('exact');
  });

  it('lets agents read rules and use the test box, but not change rules (403)', async () => {
    const corp = await newCorp();
    const rule = await createRule(textRule(corp.integrationId, ['价格'], '价格表'));
    expect((await app.api('GET', '/api/keyword-rules', undefined, agentToken)).status).toBe(200);
    expect((await app.api('GET', `/api/keyword-rules/${rule.id}`, undefined, agentToken)).status).toBe(200);
    expect((await testBox(corp.integrationId, '价格', agentToken)).matched?.id).toBe(rule.id);
    for (const [method, path, body] of [
      ['POST', '/api/keyword-rules', textRule(null, ['x'], 'y')],
      ['PUT', `/api/keyword-rules/${rule.id}`, { priority: 3 }],
      ['DELETE', `/api/keyword-rules/${rule.id}`, undefined],
    ] as const) {
      const res = await app.api<ErrorBody>(method, path, body, agentToken);
      expect({ method, status: res.status, code: res.body.code }).toEqual({ method, status: 403, code: 'FORBIDDEN' });
    }
    expect((await app.api('GET', '/api/keyword-rules')).status).toBe(401);
    expect((await app.api<KeywordRuleView>('GET', `/api/keyword-rules/${rule.id}`, undefined, app.adminToken)).body).toEqual(rule);
  });
});

describe('the test box', () => {
  it('picks by priority, then the integration before global rules, then the older rule', async () => {
    const a = await newCorp();
    const b = await newCorp();
    const tag = randomBytes(4).toString('hex');
    const word = `价格${tag}`;
    const globalLow = await createRule(textRule(null, [word], 'global low', { priority: 1 }));
    expect(await testBox(a.integrationId, word)).toMatchObject({ matched: { id: globalLow.id }, keyword: word });

    const aSame = await createRule(textRule(a.integrationId, [word], 'a same priority', { priority: 1 }));
    expect((await testBox(a.integrationId, word)).matched?.id).toBe(aSame.id); // the integration's own wins a tie
    expect((await testBox(b.integrationId, word)).matched?.id).toBe(globalLow.id); // another integration's rule never competes
    expect((await testBox(null, word)).matched?.id).toBe(globalLow.id); // null: global rules only
    expect((await testBox(undefined, word)).matched?.id).toBe(globalLow.id);

    const globalHigh = await createRule(textRule(null, [word], 'global high', { priority: 7, matchType: 'contains' }));
    const result = await testBox(a.integrationId, `请问${word}是多少`);
    expect(result).toMatchObject({ matched: { id: globalHigh.id, reply: { type: 'text', text: 'global high' } }, keyword: word });
    expect(result.candidates).toBeGreaterThanOrEqual(3);
    expect((await testBox(a.integrationId, word)).matched?.id).toBe(globalHigh.id);

    // Older first among equals; disabled rules do not compete.
    const aOlder = await createRule(textRule(a.integrationId, [`订单${tag}`], 'older', { priority: 2 }));
    await createRule(textRule(a.integrationId, [`订单${tag}`], 'newer', { priority: 2 }));
    expect((await testBox(a.integrationId, `订单${tag}`)).matched?.id).toBe(aOlder.id);
    await app.api('PUT', `/api/keyword-rules/${globalHigh.id}`, { enabled: false }, app.adminToken);
    expect((await testBox(a.integrationId, word)).matched?.id).toBe(aSame.id);

    expect(await testBox(a.integrationId, `无关${tag}`)).toMatchObject({ matched: null, keyword: null });
  });

  it('matches exact and contains after NFKC and case folding, and regex on the original text', async () => {
    const corp = await newCorp();
    const exact = await createRule(textRule(corp.integrationId, ['VIP'], 'exact', { priority: 3 }));
    const contains = await createRule(textRule(corp.integrationId, ['发货'], 'contains', { priority: 2, matchType: 'contains' }));
    const regex = await createRule(textRule(corp.integrationId, ['^订单\\s*#?\\d{5}$'], 'regex', { priority: 1, matchType: 'regex' }));
    expect((await testBox(corp.integrationId, ' ｖｉｐ ')).matched?.id).toBe(exact.id);
    expect((await testBox(corp.integrationId, 'vip 会员')).matched).toBeNull();
    expect((await testBox(corp.integrationId, '什么时候发货？')).matched?.id).toBe(contains.id);
    expect((await testBox(corp.integrationId, '订单 #00123')).matched?.id).toBe(regex.id);
    expect((await testBox(corp.integrationId, '订单 #１２３４５')).matched).toBeNull();
  });
});

describe('keyword replies through WeCom', () => {
  it('answers "价格" with the matching rule: the member receives it and the conversation shows both as sent', async () => {
    const corp = await newCorp();
    await createRule(textRule(corp.integrationId, ['价格', '多少钱'], '价格表：基础版 ¥99/月，专业版 ¥299/月', { priority: 1 }));
    await createRule(textRule(corp.integrationId, ['价格'], '低优先级的回复'));

    await say(corp, 'zhangsan', '价格');
    await expectEventually(() => expect(deliveredTo(corp, 'zhangsan')).toEqual(['价格表：基础版 ¥99/月，专业版 ¥299/月']));
    const delivered = sim.wecom.sentMessages(corp.corpId);
    expect(delivered[0]!.body).toMatchObject({ touser: 'zhangsan', agentid: AGENT_ID, msgtype: 'text' });

    const conv = await conversationOf(corp, 'zhangsan');
    const shown = await expectEventually(async () => {
      const msgs = await messagesOf(conv.id);
      expect(msgs.map((m) => [m.direction, m.text, m.status])).toEqual([
        ['in', '价格', 'received'],
        ['out', '价格表：基础版 ¥99/月，专业版 ¥299/月', 'sent'],
      ]);
      return msgs;
    });
    expect(shown[1]!.sentAt).not.toBeNull();
    const guard: { source: string; message_id: string }[] = await ds.query(`SELECT source, message_id FROM bot_replies WHERE conversation_id = $1`, [conv.id]);
    expect(guard).toEqual([{ source: 'keyword', message_id: shown[1]!.id }]);
  });

  it('replies once to a message the platform delivers three times', async () => {
    const corp = await newCorp();
    await createRule(textRule(corp.integrationId, ['发货'], '今天下单，明天发货', { matchType: 'contains' }));
    await say(corp, 'lisi', '什么时候发货', 3);
    await expectEventually(() => expect(deliveredTo(corp, 'lisi')).toEqual(['今天下单，明天发货']));
    await inboxSettled(corp, 1);
    await settle();
    expect(deliveredTo(corp, 'lisi')).toEqual(['今天下单，明天发货']);
    const conv = await conversationOf(corp, 'lisi');
    expect((await messagesOf(conv.id)).map((m) => m.direction)).toEqual(['in', 'out']);
  });

  it('never answers one inbox event twice, even when the pipeline runs again for it', async () => {
    const corp = await newCorp();
    await createRule(textRule(corp.integrationId, ['重复'], '只回复一次'));
    await say(corp, 'chenjiu', '重复');
    await expectEventually(() => expect(deliveredTo(corp, 'chenjiu')).toEqual(['只回复一次']));
    const conv = await conversationOf(corp, 'chenjiu');
    await rerunInboxEventTwice(app, ds, corp.integrationId, conv.id);
    await settle();
    expect(deliveredTo(corp, 'chenjiu')).toEqual(['只回复一次']);
    expect((await messagesOf(conv.id)).map((m) => m.direction)).toEqual(['in', 'out']);
  });

  it('answers each of several messages in order, and leaves unmatched ones unanswered', async () => {
    const corp = await newCorp();
    await createRule(textRule(corp.integrationId, ['一'], '回复一'));
    await createRule(textRule(corp.integrationId, ['二'], '回复二'));
    await say(corp, 'wangwu', '一');
    await say(corp, 'wangwu', '随便聊聊');
    await say(corp, 'wangwu', '二');
    await expectEventually(() => expect(deliveredTo(corp, 'wangwu')).toEqual(['回复一', '回复二']));
    await inboxSettled(corp, 3);
    await settle();
    expect(deliveredTo(corp, 'wangwu')).toEqual(['回复一', '回复二']);
    const conv = await conversationOf(corp, 'wangwu');
    // Inbound rows carry the platform's CreateTime (whole seconds), replies our clock: the listing of
    // messages sent within one second is not in a fixed order, so each direction is checked apart
    // (the order of the replies is the simulator's, above).
    await expectEventually(async () => {
      const msgs = (await messagesOf(conv.id)).map((m) => [m.direction, m.text, m.status]);
      expect(msgs.filter((m) => m[0] === 'in').sort()).toEqual([
        ['in', '一', 'received'],
        ['in', '二', 'received'],
        ['in', '随便聊聊', 'received'],
      ].sort());
      expect(msgs.filter((m) => m[0] === 'out')).toEqual([
        ['out', '回复一', 'sent'],
        ['out', '回复二', 'sent'],
      ]);
    });
  });

  it('sends nothing for a message no rule matches', async () => {
    const corp = await newCorp();
    await createRule(textRule(corp.integrationId, ['价格'], '价格表'));
    await say(corp, 'zhaoliu', '你好，在吗');
    await inboxSettled(corp, 1);
    await settle();
    expect(sim.wecom.sentMessages(corp.corpId)).toEqual([]);
    const conv = await conversationOf(corp, 'zhaoliu');
    expect((await messagesOf(conv.id)).map((m) => m.direction)).toEqual(['in']);
  });

  it('uses global rules for every integration, and an integration rule over a global one of equal priority', async () => {
    const a = await newCorp();
    const b = await newCorp();
    const tag = randomBytes(4).toString('hex');
    await createRule(textRule(null, [`营业时间${tag}`], '全局：每天 9:00-18:00'));
    await createRule(textRule(a.integrationId, [`营业时间${tag}`], 'A 门店：每天 10:00-22:00'));
    await say(a, 'sunqi', `营业时间${tag}`);
    await say(b, 'sunqi', `营业时间${tag}`);
    await expectEventually(() => {
      expect(deliveredTo(a, 'sunqi')).toEqual(['A 门店：每天 10:00-22:00']);
      expect(deliveredTo(b, 'sunqi')).toEqual(['全局：每天 9:00-18:00']);
    });
  });

  it('stays silent in a conversation that is not with the bot', async () => {
    const corp = await newCorp();
    await createRule(textRule(corp.integrationId, ['价格'], '价格表'));
    await say(corp, 'zhouba', '你好');
    const conv = await conversationOf(corp, 'zhouba');
    await inboxSettled(corp, 1);
    await ds.query(`UPDATE conversations SET state = 'assigned' WHERE id = $1`, [conv.id]);
    await say(corp, 'zhouba', '价格');
    await inboxSettled(corp, 2);
    await settle();
    expect(sim.wecom.sentMessages(corp.corpId)).toEqual([]);
  });
});
