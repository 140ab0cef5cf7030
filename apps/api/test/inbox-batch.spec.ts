import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { InboxBatch } from '../src/inbox/inbox-batch.service';
import { openDataSource } from './helpers';
import { newSimCorp, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * The inbox's batch lane (InboxBatch): many chats' messages stored, decided and answered in one
 * transaction. What must hold: every message answered once, in order within its chat; a chat another
 * process is working on is left to it and still answered; work found half done (a run that died
 * after committing part of it) is finished by the per-conversation lane without a second reply.
 */

jest.setTimeout(60_000);

let app: TestApp;
let sim: PlatformSim;
let ds: DataSource;
let corp: SimCorp;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp({ IMBRIDGE_SWEEP_INTERVAL_MS: '300', IMBRIDGE_INBOX_STALE_MS: '500' });
  ds = await openDataSource(app);
  corp = await newSimCorp(app, sim, { name: 'batch' });
  const rule = await app.api('POST', '/api/keyword-rules', { integrationId: corp.integrationId, keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: '价格表' } }, app.adminToken);
  expect(rule.status).toBe(201);
  expect((await app.api('PUT', `/api/integrations/${corp.integrationId}/bot`, { fallbackText: '请换个说法', handoffAfterFailures: 0 }, app.adminToken)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

const deliveredTo = (userId: string): string[] =>
  sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId)
    // Identical replies to one user get zero-width spaces appended (the duplicate check must not drop them).
    .map((m) => (m.body['text'] as { content: string }).content.replace(/\u200b+$/, ''));

const push = (userId: string, content: string) => sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content });

it('answers a burst over many chats once each, in order within each chat, with one decision per message', async () => {
  const users = Array.from({ length: 30 }, (_, i) => `b-burst-${i}`);
  // Three messages per chat, the chats interleaved, all at once: they meet in shared batches.
  const said: Promise<unknown>[] = [];
  for (let k = 0; k < 3; k++) for (const u of users) said.push(push(u, k === 1 ? `第${k}条 随便问问` : `第${k}条 价格`));
  await Promise.all(said);
  for (const u of users) await expectEventually(() => expect(deliveredTo(u)).toHaveLength(3), { timeoutMs: 20_000 });
  // Messages of one chat were pushed concurrently: their order is the order they were stored in.
  for (const u of users) {
    const inbound: { text: string }[] = await ds.query(
      `SELECT m.text FROM messages m JOIN inbox_events e ON e.id = m.inbox_event_id WHERE e.integration_id = $1 AND e.conversation_key = $2 ORDER BY e.id`,
      [corp.integrationId, u],
    );
    const expected = inbound.map((m) => (m.text.includes('价格') ? '价格表' : '请换个说法'));
    expect(deliveredTo(u)).toEqual(expected);
  }
  const [counts]: { events: number; processed: number; decisions: number; outbox: number; sent: number }[] = await ds.query(
    `SELECT count(*)::int AS events, count(*) FILTER (WHERE e.status = 'processed')::int AS processed,
            (SELECT count(*)::int FROM bot_replies b JOIN inbox_events x ON x.id = b.inbox_event_id WHERE x.integration_id = $1 AND x.conversation_key LIKE 'b-burst-%') AS decisions,
            (SELECT count(*)::int FROM outbound_messages o JOIN conversations c ON c.id = o.conversation_id JOIN contacts ct ON ct.id = c.contact_id WHERE ct.external_id LIKE 'b-burst-%') AS outbox,
            (SELECT count(*)::int FROM outbound_messages o JOIN conversations c ON c.id = o.conversation_id JOIN contacts ct ON ct.id = c.contact_id WHERE ct.external_id LIKE 'b-burst-%' AND o.status = 'sent') AS sent
     FROM inbox_events e WHERE e.integration_id = $1 AND e.conversation_key LIKE 'b-burst-%'`,
    [corp.integrationId],
  );
  expect(counts).toEqual({ events: 90, processed: 90, decisions: 90, outbox: 90, sent: 90 });
  // The chat list shows the last reply, and the fallback counted the unanswered message only until the next answer.
  const chats: { preview: string; failures: number }[] = await ds.query(
    `SELECT c.last_message_preview AS preview, c.bot_failures AS failures FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE ct.external_id LIKE 'b-burst-%'`,
  );
  for (const c of chats) expect(['价格表', '请换个说法']).toContain(c.preview);
});

it('leaves a chat another process is working on to that process, and it is still answered once', async () => {
  // Another process holds the chat's inbox lock (as processConversation does while it works).
  const other = new Client({ connectionString: app.databaseUrl });
  await other.connect();
  try {
    await other.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`inbox:${corp.integrationId}:b-busy`]);
    expect((await push('b-busy', '价格')).responses.map((r) => r.status)).toEqual([200]);
    await new Promise((r) => setTimeout(r, 800));
    expect(deliveredTo('b-busy')).toEqual([]);
    const [pending]: { status: string }[] = await ds.query(`SELECT status FROM inbox_events WHERE integration_id = $1 AND conversation_key = 'b-busy'`, [corp.integrationId]);
    expect(pending!.status).toBe('pending');
  } finally {
    await other.query('SELECT pg_advisory_unlock_all()');
    await other.end();
  }
  await expectEventually(() => expect(deliveredTo('b-busy')).toEqual(['价格表']), { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 500));
  expect(deliveredTo('b-busy')).toEqual(['价格表']);
});

it('finishes work a dead run left half done without answering twice', async () => {
  expect((await push('b-half', '价格')).responses.map((r) => r.status)).toEqual([200]);
  await expectEventually(() => expect(deliveredTo('b-half')).toEqual(['价格表']));
  const [event]: { id: string }[] = await ds.query(`SELECT id::text FROM inbox_events WHERE integration_id = $1 AND conversation_key = 'b-half'`, [corp.integrationId]);
  // As if the run died with the message and the decision committed but the event not marked: pending again.
  await ds.query(`UPDATE inbox_events SET status = 'pending' WHERE id = $1`, [event!.id]);
  await app.running.app.get(InboxBatch).process([{ integrationId: corp.integrationId, conversationKey: 'b-half' }]);
  const [after]: { status: string; decisions: number; messages: number }[] = await ds.query(
    `SELECT e.status, (SELECT count(*)::int FROM bot_replies WHERE inbox_event_id = e.id) AS decisions,
            (SELECT count(*)::int FROM messages WHERE inbox_event_id = e.id) AS messages
     FROM inbox_events e WHERE e.id = $1`,
    [event!.id],
  );
  expect(after).toEqual({ status: 'processed', decisions: 1, messages: 1 });
  await new Promise((r) => setTimeout(r, 800));
  expect(deliveredTo('b-half')).toEqual(['价格表']);
});
