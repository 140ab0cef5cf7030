import type { MessageView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { createTestRedisPrefix } from '@imbridge/testing';
import type { DataSource } from 'typeorm';
import { OutboxStore } from '../src/outbound/outbox-store';
import { FAST, openDataSource } from './helpers';
import { newSimCorp, openSimConversation } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * The sender's batched reads and writes of the outbox against PostgreSQL: the marks that many
 * conversations share one statement for must each do exactly what the per-message statements did.
 */

jest.setTimeout(60_000);

let sim: PlatformSim;
let worker: TestApp;
let front: TestApp;
let ds: DataSource;
let store: OutboxStore;
let conversations: string[];

const status = async (outboundId: string): Promise<{ o: string; attempts: number; m: string; pmid: string | null; ids: string[] | null }> => {
  const [row] = (await ds.query(
    `SELECT o.status AS o, o.attempts, m.status AS m, m.platform_message_id AS pmid, o.platform_message_ids AS ids FROM outbound_messages o JOIN messages m ON m.id = o.message_id WHERE o.id = $1`,
    [outboundId],
  )) as { o: string; attempts: number; m: string; pmid: string | null; ids: string[] | null }[];
  return row!;
};

beforeAll(async () => {
  sim = await startPlatformSim();
  worker = await startTestApp(FAST);
  const corp = await newSimCorp(worker, sim, { name: 'outbox-store' });
  conversations = [];
  for (const user of ['s1', 's2', 's3']) conversations.push((await openSimConversation(worker, sim, corp, user)).id);
  // Replies queued through an API process whose jobs no worker reads: they stay queued for the store.
  front = await startTestApp({ IMBRIDGE_ROLE: 'api', IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix() }, { databaseUrl: worker.databaseUrl, env: worker.env });
  for (const [i, conv] of conversations.entries()) {
    for (let k = 0; k < 3; k++) {
      const res = await front.api<MessageView>('POST', `/api/conversations/${conv}/messages`, { type: 'text', text: `c${i} #${k}` }, front.adminToken);
      expect(res.status).toBe(201);
    }
  }
  ds = await openDataSource(worker);
  store = new OutboxStore(ds, 2);
});
afterAll(async () => {
  await ds?.destroy();
  await front?.close();
  await worker?.close();
  await sim?.close();
});

describe('OutboxStore', () => {
  it("reads each conversation's oldest unfinished rows in order, many conversations per statement", async () => {
    const [heads, pages] = await Promise.all([Promise.all(conversations.map((c) => store.oldestUnfinished(c))), Promise.all(conversations.map((c) => store.unfinished(c)))]);
    expect(heads.map((h) => (h?.payload as { text: string }).text)).toEqual(['c0 #0', 'c1 #0', 'c2 #0']);
    expect(pages.map((p) => p.map((r) => (r.payload as { text: string }).text))).toEqual([
      ['c0 #0', 'c0 #1'],
      ['c1 #0', 'c1 #1'],
      ['c2 #0', 'c2 #1'],
    ]);
    expect(heads[0]).toMatchObject({ status: 'queued', attempts: 0, conversationId: conversations[0] });
    expect(heads[0]!.nextAttemptAt).toBeInstanceOf(Date);
    expect(await store.oldestUnfinished('00000000-0000-4000-8000-000000000000')).toBeNull();
    // Asked for together, answered by one statement (a prepared one, on TypeORM's pool).
    const pool = (ds.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const query = jest.spyOn(pool, 'query');
    try {
      await Promise.all(conversations.map((c) => store.oldestUnfinished(c)));
      expect(query).toHaveBeenCalledTimes(1);
    } finally {
      query.mockRestore();
    }
  });

  it("marks 'sending' only a row still as read, and 'sent' together with its message; a failure report that overtook the answer stays", async () => {
    const [a, b, c] = await Promise.all(conversations.map((conv) => store.oldestUnfinished(conv)));
    // Row b changed since it was read (another sender took an attempt).
    await ds.query(`UPDATE outbound_messages SET attempts = attempts + 1 WHERE id = $1`, [b!.id]);
    const took = await Promise.all([a, b, c].map((row) => store.markSending(row!, new Date())));
    expect(took).toEqual([true, false, true]);
    expect(await status(a!.id)).toMatchObject({ o: 'sending', attempts: 1, m: 'queued' });
    expect(await status(b!.id)).toMatchObject({ o: 'queued', attempts: 1 });
    // A platform report failed c while its answer was on the way.
    await ds.query(`UPDATE outbound_messages SET status = 'failed' WHERE id = $1`, [c!.id]);
    await ds.query(`UPDATE messages SET status = 'failed' WHERE id = $1`, [c!.messageId]);
    await Promise.all([store.markSent(a!.id, new Date(), ['msg-a', 'msg-a2']), store.markSent(c!.id, new Date(), ['msg-c'])]);
    expect(await status(a!.id)).toEqual({ o: 'sent', attempts: 1, m: 'sent', pmid: 'msg-a', ids: ['msg-a', 'msg-a2'] });
    expect(await status(c!.id)).toMatchObject({ o: 'failed', m: 'failed', ids: ['msg-c'] });
    // The head moves on.
    expect((await store.oldestUnfinished(conversations[0]!))?.payload).toEqual({ type: 'text', text: 'c0 #1' });
  });
});
