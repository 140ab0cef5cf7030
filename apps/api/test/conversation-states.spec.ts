import type { DataSource } from 'typeorm';
import type { ConversationView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { HANDOFF_ACK, matchHandoff } from '../src/keyword-rules/handoff';
import { FAST, newAgent, openDataSource, rerunInboxEventTwice, type Agent, type ErrorBody } from './helpers';
import { newSimCorp, openSimConversation, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * Conversation states end to end: a simulated WeCom member asks for a person (bot → queued, one
 * acknowledgement), agents claim (one winner), transfer and close over REST, and the customer's next
 * message reopens the chat with the bot.
 */

jest.setTimeout(30_000);


let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let alice: Agent;
let bob: Agent;
let disabledUserId = '';

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
  ds = await openDataSource(app);
  alice = await newAgent(app, 'st-alice');
  bob = await newAgent(app, 'st-bob');
  disabledUserId = (await newAgent(app, 'st-gone')).id;
  await ds.query('UPDATE users SET disabled = true WHERE id = $1', [disabledUserId]);
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

// ---- helpers ----

const newCorp = (): Promise<SimCorp> => newSimCorp(app, sim, { name: 'states' });

async function priceRule(corp: SimCorp): Promise<void> {
  const res = await app.api('POST', '/api/keyword-rules', { integrationId: corp.integrationId, keywords: ['价格'], matchType: 'exact', reply: { type: 'text', text: '价格表' } }, app.adminToken);
  expect(res.status).toBe(201);
}

async function say(corp: SimCorp, userId: string, content: string, deliveries = 1): Promise<void> {
  const pushed = await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content }, { deliveries });
  expect(pushed.responses.map((r) => r.status)).toEqual(Array.from({ length: deliveries }, () => 200));
}

const deliveredTo = (corp: SimCorp, userId: string): string[] =>
  sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId)
    .map((m) => (m.body['text'] as { content: string }).content);

async function inboxSettled(corp: SimCorp, events: number): Promise<void> {
  await expectEventually(async () => {
    const rows: { status: string }[] = await ds.query(`SELECT status FROM inbox_events WHERE integration_id = $1`, [corp.integrationId]);
    expect(rows.map((r) => r.status)).toEqual(Array.from({ length: events }, () => 'processed'));
  });
}

const settle = (ms = 800): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function getConv(id: string, token = app.adminToken): Promise<ConversationView> {
  const res = await app.api<ConversationView>('GET', `/api/conversations/${id}`, undefined, token);
  expect(res.status).toBe(200);
  return res.body;
}

const post = <T = ConversationView>(id: string, action: string, token: string, body?: unknown) =>
  app.api<T>('POST', `/api/conversations/${id}/${action}`, body, token);

async function auditOf(conversationId: string): Promise<{ action: string; actor_name: string | null; from: string; to: string; assigneeId: string | null }[]> {
  const rows: { action: string; actor_name: string | null; details: { from: string; to: string; assigneeId: string | null } }[] = await ds.query(
    `SELECT action, actor_name, details FROM audit_log WHERE target_type = 'conversation' AND target_id = $1 ORDER BY id`,
    [conversationId],
  );
  return rows.map((r) => ({ action: r.action, actor_name: r.actor_name, from: r.details.from, to: r.details.to, assigneeId: r.details.assigneeId }));
}

/** A member who has asked for a person: the chat is queued and the acknowledgement delivered. */
async function queuedChat(corp: SimCorp, userId: string): Promise<ConversationView> {
  const conv = await openSimConversation(app, sim, corp, userId, '转人工');
  await expectEventually(async () => expect((await getConv(conv.id)).state).toBe('queued'));
  await expectEventually(() => expect(deliveredTo(corp, userId)).toEqual([HANDOFF_ACK]));
  return getConv(conv.id);
}

// ---- tests ----

describe('handoff keywords', () => {
  it('match after NFKC and lower-casing; Latin words only as whole words', () => {
    expect(matchHandoff('我要转人工')).toBe('人工');
    expect(matchHandoff('请帮我找一下客服')).toBe('客服');
    expect(matchHandoff('有真人吗')).toBe('真人');
    expect(matchHandoff('ＨＵＭＡＮ please')).toBe('human');
    expect(matchHandoff('Talk to an Agent!')).toBe('agent');
    expect(matchHandoff('转agent')).toBe('agent');
    expect(matchHandoff('the agenda')).toBeNull();
    expect(matchHandoff('humans are nice')).toBeNull();
    expect(matchHandoff('价格')).toBeNull();
  });
});

describe('conversation states through WeCom', () => {
  it('hands off on "转人工", keeps the bot silent while queued and assigned, and reopens with the bot after close', async () => {
    const corp = await newCorp();
    await priceRule(corp);
    const conv = await queuedChat(corp, 'zhangsan');
    expect(conv).toMatchObject({ state: 'queued', assigneeId: null, contact: { externalId: 'zhangsan' } });
    const guard: { source: string; message_id: string | null }[] = await ds.query(`SELECT source, message_id FROM bot_replies WHERE conversation_id = $1`, [conv.id]);
    expect(guard).toEqual([{ source: 'handoff', message_id: expect.any(String) }]);

    // Queued: the keyword rule does not answer.
    await say(corp, 'zhangsan', '价格');
    await inboxSettled(corp, 2);
    await settle();
    expect(deliveredTo(corp, 'zhangsan')).toEqual([HANDOFF_ACK]);

    // Claimed by alice: assigned to her, the bot still silent.
    const claimed = await post(conv.id, 'claim', alice.token);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ id: conv.id, state: 'assigned', assigneeId: alice.id });
    expect(await getConv(conv.id, alice.token)).toMatchObject({ state: 'assigned', assigneeId: alice.id });
    await say(corp, 'zhangsan', '价格');
    await inboxSettled(corp, 3);

    // Transferred to bob; refused targets leave it with alice.
    const missing = await post<ErrorBody>(conv.id, 'transfer', alice.token, { userId: '00000000-0000-4000-8000-000000000000' });
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 400, code: 'INVALID_ASSIGNEE' });
    const disabled = await post<ErrorBody>(conv.id, 'transfer', alice.token, { userId: disabledUserId });
    expect({ status: disabled.status, code: disabled.body.code }).toEqual({ status: 400, code: 'INVALID_ASSIGNEE' });
    const invalid = await post<ErrorBody>(conv.id, 'transfer', alice.token, { userId: 'bob' });
    expect({ status: invalid.status, code: invalid.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await getConv(conv.id)).assigneeId).toBe(alice.id);
    const transferred = await post(conv.id, 'transfer', alice.token, { userId: bob.id });
    expect(transferred.status).toBe(200);
    expect(transferred.body).toMatchObject({ state: 'assigned', assigneeId: bob.id });

    // A second claim of an assigned chat is refused: to another agent it is just someone else's chat.
    const late = await post<ErrorBody>(conv.id, 'claim', alice.token);
    expect({ status: late.status, code: late.body.code }).toEqual({ status: 403, code: 'NOT_YOUR_CHAT' });

    // Closed by bob; closing again conflicts; transfer of a closed chat conflicts.
    const closed = await post(conv.id, 'close', bob.token);
    expect(closed.status).toBe(200);
    expect(closed.body.state).toBe('closed');
    expect((await post<ErrorBody>(conv.id, 'close', bob.token)).status).toBe(409);
    expect((await post<ErrorBody>(conv.id, 'transfer', bob.token, { userId: alice.id })).status).toBe(409);
    await settle(300);
    expect(deliveredTo(corp, 'zhangsan')).toEqual([HANDOFF_ACK]);

    // The next message reopens the chat with the bot, which answers it.
    await say(corp, 'zhangsan', '价格');
    await expectEventually(() => expect(deliveredTo(corp, 'zhangsan')).toEqual([HANDOFF_ACK, '价格表']));
    expect(await getConv(conv.id)).toMatchObject({ state: 'bot', assigneeId: null });

    expect(await auditOf(conv.id)).toEqual([
      { action: 'conversation.handoff', actor_name: null, from: 'bot', to: 'queued', assigneeId: null },
      { action: 'conversation.claim', actor_name: alice.username, from: 'queued', to: 'assigned', assigneeId: alice.id },
      { action: 'conversation.transfer', actor_name: alice.username, from: 'assigned', to: 'assigned', assigneeId: bob.id },
      { action: 'conversation.close', actor_name: bob.username, from: 'assigned', to: 'closed', assigneeId: bob.id },
      { action: 'conversation.reopen', actor_name: null, from: 'closed', to: 'bot', assigneeId: null },
    ]);
  });

  it('gives exactly one of two concurrent claims the chat; the other agent is told it is taken (403 NOT_YOUR_CHAT) in both languages', async () => {
    const corp = await newCorp();
    const queued = await queuedChat(corp, 'lisi');
    const bots = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((u) => openSimConversation(app, sim, corp, u, '你好')));
    for (const conv of [queued, ...bots]) {
      const results = await Promise.all([post<ConversationView & ErrorBody>(conv.id, 'claim', alice.token), post<ConversationView & ErrorBody>(conv.id, 'claim', bob.token)]);
      // Agents learn no more about another agent's chat than that it is theirs (issue 12: object access).
      expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
      const winner = results.find((r) => r.status === 200)!;
      const loser = results.find((r) => r.status === 403)!;
      expect(loser.body).toMatchObject({ code: 'NOT_YOUR_CHAT', message: expect.stringContaining('assigned to another agent'), messageZh: expect.stringContaining('已由其他客服接待') });
      const current = await getConv(conv.id);
      expect(current).toMatchObject({ state: 'assigned', assigneeId: winner.body.assigneeId });
      const claims = (await auditOf(conv.id)).filter((a) => a.action === 'conversation.claim');
      expect(claims).toHaveLength(1);
      expect(claims[0]!.assigneeId).toBe(winner.body.assigneeId);
    }
  });

  it('lets an agent take a chat over from the bot, which then stays silent', async () => {
    const corp = await newCorp();
    await priceRule(corp);
    const conv = await openSimConversation(app, sim, corp, 'wangwu', '你好');
    expect((await post(conv.id, 'claim', bob.token)).body).toMatchObject({ state: 'assigned', assigneeId: bob.id });
    await say(corp, 'wangwu', '价格');
    await inboxSettled(corp, 2);
    await settle();
    expect(deliveredTo(corp, 'wangwu')).toEqual([]);
    expect((await auditOf(conv.id)).map((a) => [a.action, a.from, a.to])).toEqual([['conversation.claim', 'bot', 'assigned']]);
  });

  it('acknowledges a handoff message the platform delivers three times once, and never twice for one event', async () => {
    const corp = await newCorp();
    await say(corp, 'zhaoliu', '我要人工客服', 3);
    await expectEventually(() => expect(deliveredTo(corp, 'zhaoliu')).toEqual([HANDOFF_ACK]));
    await inboxSettled(corp, 1);
    const conv = (await app.api<ConversationView[]>('GET', `/api/conversations?integrationId=${corp.integrationId}`, undefined, app.adminToken)).body[0]!;
    expect(conv.state).toBe('queued');

    // What a second run of the job would do, twice at once, with the chat back with the bot.
    await ds.query(`UPDATE conversations SET state = 'bot' WHERE id = $1`, [conv.id]);
    await rerunInboxEventTwice(app, ds, corp.integrationId, conv.id);
    await settle();
    expect(deliveredTo(corp, 'zhaoliu')).toEqual([HANDOFF_ACK]);
    const out: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND direction = 'out'`, [conv.id]);
    expect(out[0]!.n).toBe(1);
    expect((await auditOf(conv.id)).map((a) => a.action)).toEqual(['conversation.handoff']);
  });

  it('answers 404 for unknown conversations and 401 without a session', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const action of ['claim', 'close']) {
      expect((await post<ErrorBody>(unknown, action, alice.token)).body.code).toBe('NOT_FOUND');
      expect((await post<ErrorBody>('not-a-uuid', action, alice.token)).status).toBe(404);
    }
    expect((await post<ErrorBody>(unknown, 'transfer', alice.token, { userId: bob.id })).status).toBe(404);
    expect((await app.api('GET', `/api/conversations/${unknown}`, undefined, alice.token)).status).toBe(404);
    expect((await app.api('POST', `/api/conversations/${unknown}/claim`)).status).toBe(401);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await (await fetch(`${app.url}/api/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/conversations/{id}'] ?? {})).toContain('get');
    for (const action of ['claim', 'transfer', 'close']) expect(Object.keys(doc.paths[`/api/conversations/{id}/${action}`] ?? {})).toContain('post');
  });
});
