import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { DataSource } from 'typeorm';
import { InboxService } from '../src/inbox/inbox.service';
import { newAgent, openDataSource, type Agent } from './helpers';
import { newSimCorp, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * An inbound message is done only when the bot's decision (a reply, silence because a human owns the
 * chat, a handoff) has committed: until then its inbox event is 'deciding', and recovery decides it
 * again. Here the state a crash leaves — the message committed, the decision not — is made exactly
 * (the crash itself, with SIGKILL, is apps/e2e/src/crash.e2e.spec.ts).
 */

jest.setTimeout(30_000);

let app: TestApp;
let sim: PlatformSim;
let ds: DataSource;
let corp: SimCorp;
let agent: Agent;

beforeAll(async () => {
  sim = await startPlatformSim();
  // A quick sweeper: recovery within a second or two.
  app = await startTestApp({ IMBRIDGE_SWEEP_INTERVAL_MS: '300', IMBRIDGE_INBOX_STALE_MS: '500' });
  ds = await openDataSource(app);
  corp = await newSimCorp(app, sim, { name: 'decision' });
  const rule = await app.api('POST', '/api/keyword-rules', { integrationId: corp.integrationId, keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: '价格表' } }, app.adminToken);
  expect(rule.status).toBe(201);
  agent = await newAgent(app, 'decision-agent');
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
    .map((m) => (m.body['text'] as { content: string }).content);

async function say(userId: string, content: string): Promise<void> {
  const pushed = await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content });
  expect(pushed.responses.map((r) => r.status)).toEqual([200]);
}

async function eventOf(userId: string): Promise<{ id: string; status: string; conversation_id: string }> {
  const [row]: { id: string; status: string; conversation_id: string }[] = await ds.query(
    `SELECT ie.id::text AS id, ie.status, m.conversation_id FROM inbox_events ie JOIN messages m ON m.inbox_event_id = ie.id
      WHERE ie.integration_id = $1 AND ie.payload->'sender'->>'externalId' = $2 ORDER BY ie.id DESC LIMIT 1`,
    [corp.integrationId, userId],
  );
  return row!;
}

/** The state a process leaves when it dies after the message committed and before the bot decided. */
async function undoDecision(eventId: string): Promise<void> {
  await ds.transaction(async (m) => {
    const [reply]: { message_id: string | null }[] = await m.query('SELECT message_id FROM bot_replies WHERE inbox_event_id = $1', [eventId]);
    await m.query('DELETE FROM bot_replies WHERE inbox_event_id = $1', [eventId]);
    if (reply?.message_id) {
      await m.query('DELETE FROM outbound_messages WHERE message_id = $1', [reply.message_id]);
      await m.query('DELETE FROM messages WHERE id = $1', [reply.message_id]);
    }
    await m.query(`UPDATE inbox_events SET status = 'deciding' WHERE id = $1`, [eventId]);
  });
}

it('normally marks an answered message processed, with one decision', async () => {
  await say('d-normal', '价格');
  await expectEventually(() => expect(deliveredTo('d-normal')).toEqual(['价格表']));
  const event = await eventOf('d-normal');
  await expectEventually(async () => expect((await eventOf('d-normal')).status).toBe('processed'));
  const [decisions]: { n: number }[] = await ds.query('SELECT count(*)::int AS n FROM bot_replies WHERE inbox_event_id = $1', [event.id]);
  expect(decisions!.n).toBe(1);
});

it('decides again a message whose decision a crash lost: the customer gets the reply, once', async () => {
  await say('d-crash', '价格');
  await expectEventually(() => expect(deliveredTo('d-crash')).toEqual(['价格表']));
  const event = await eventOf('d-crash');
  await expectEventually(async () => expect((await eventOf('d-crash')).status).toBe('processed'));
  const before = deliveredTo('d-crash').length;
  await undoDecision(event.id);
  // The sweeper finds the 'deciding' event and the inbox decides it (no new callback needed).
  await expectEventually(() => expect(deliveredTo('d-crash').length).toBe(before + 1), { timeoutMs: 10_000 });
  await expectEventually(async () => expect((await eventOf('d-crash')).status).toBe('processed'));
  const [decisions]: { n: number }[] = await ds.query('SELECT count(*)::int AS n FROM bot_replies WHERE inbox_event_id = $1', [event.id]);
  expect(decisions!.n).toBe(1);
  // Two recoveries at once (a Bull retry and the sweeper) still make one decision and one reply.
  const delivered = deliveredTo('d-crash').length;
  await undoDecision(event.id);
  const inbox = app.running.app.get(InboxService);
  await Promise.all([inbox.processConversation(corp.integrationId, 'd-crash'), inbox.processConversation(corp.integrationId, 'd-crash')]);
  await expectEventually(() => expect(deliveredTo('d-crash').length).toBe(delivered + 1));
  await new Promise((r) => setTimeout(r, 1000));
  expect(deliveredTo('d-crash').length).toBe(delivered + 1);
});

it('when an agent took the chat meanwhile, the recovered decision is the bot staying silent', async () => {
  await say('d-human', '价格');
  await expectEventually(() => expect(deliveredTo('d-human')).toEqual(['价格表']));
  const event = await eventOf('d-human');
  await expectEventually(async () => expect((await eventOf('d-human')).status).toBe('processed'));
  // The agent has taken the chat by the time the lost decision is recovered.
  const claimed = await app.api('POST', `/api/conversations/${event.conversation_id}/claim`, undefined, agent.token);
  expect(claimed.status).toBe(200);
  await undoDecision(event.id);
  await expectEventually(async () => expect((await eventOf('d-human')).status).toBe('processed'), { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 500));
  expect(deliveredTo('d-human')).toEqual(['价格表']);
});

it('a decision that committed but whose reply was never queued (the process died in between) gets its reply sent when the event is decided again', async () => {
  await say('d-unqueued', '价格');
  await expectEventually(() => expect(deliveredTo('d-unqueued')).toEqual(['价格表']));
  const event = await eventOf('d-unqueued');
  await expectEventually(async () => expect((await eventOf('d-unqueued')).status).toBe('processed'));
  // The decision and its reply row committed; the reply's job never reached Redis; the event is not settled.
  // (A new text, so that WeCom's duplicate check does not hide the delivery this test looks for.)
  await ds.transaction(async (m) => {
    const [reply]: { message_id: string }[] = await m.query('SELECT message_id FROM bot_replies WHERE inbox_event_id = $1', [event.id]);
    await m.query(
      `UPDATE outbound_messages SET status = 'queued', attempts = 0, sent_at = NULL, next_attempt_at = now(), updated_at = now(),
         payload = '{"type":"text","text":"价格表（未发出）"}'::jsonb WHERE message_id = $1`,
      [reply!.message_id],
    );
    await m.query(`UPDATE messages SET status = 'queued', text = '价格表（未发出）' WHERE id = $1`, [reply!.message_id]);
    await m.query(`UPDATE inbox_events SET status = 'deciding' WHERE id = $1`, [event.id]);
  });
  // The outbox's own sweep waits a minute for such rows; deciding the event again queues it at once.
  await expectEventually(() => expect(deliveredTo('d-unqueued')).toEqual(['价格表', '价格表（未发出）']), { timeoutMs: 10_000 });
  await expectEventually(async () => expect((await eventOf('d-unqueued')).status).toBe('processed'));
  const [decisions]: { n: number }[] = await ds.query('SELECT count(*)::int AS n FROM bot_replies WHERE inbox_event_id = $1', [event.id]);
  expect(decisions!.n).toBe(1);
});
