import { DataSource } from 'typeorm';
import type { IntegrationView } from '@imbridge/contracts';
import { expectEventually, PrivateRedis } from '@imbridge/testing';
import { PrivatePostgres } from './support/private-postgres';
import { addSimWecomIntegration, ADMIN, type Cluster, type SimWecomApp, startCluster } from './support/stack';

/**
 * Chaos, bounded to fit CI: during one burst of customer messages (each from its own WeCom member,
 * each asking for the price list), the queue worker, the all-in-one process and an API-only process
 * are SIGKILLed,
 * Redis is killed and comes back empty, and PostgreSQL is stopped for 10 s — each at a random moment
 * past its point in the burst. The simulator plays WeCom, redelivering every callback that did not
 * get its 200. Then, per message: stored once, decided once, delivered once (WeCom's duplicate check
 * drops a retried send that had arrived; the simulator lists those as suppressed), every reply
 * within 30 s of the last restart, and replies flowing again within 10 s of PostgreSQL's return.
 * Default sweeper settings: recovery comes from the recovery rounds, not from tuned thresholds.
 *
 * IMBRIDGE_CHAOS_MESSAGES sets the burst (default 150; the measurement used 300).
 */

jest.setTimeout(300_000);

const MESSAGES = Number(process.env['IMBRIDGE_CHAOS_MESSAGES'] ?? 150);
const PUSHERS = 4;
/** The burst is paced to last about this long without outages, so that every fault lands inside it. */
const BURST_MS = 25_000;
const PUSH_PAUSE_MS = Math.round((PUSHERS * BURST_MS) / MESSAGES);
const PG_DOWN_MS = 10_000;
const REPLY = '价格表';

interface SimMessage {
  body: { touser?: string; msgtype?: string; text?: { content?: string } };
  at: string;
}

let pg: PrivatePostgres;
let redis: PrivateRedis;
let cluster: Cluster;
let ds: DataSource;
let integration: IntegrationView;
let app: SimWecomApp;

beforeAll(async () => {
  pg = await PrivatePostgres.start();
  redis = await PrivateRedis.start();
  // api#1 is an all-in-one process (HTTP and queues), api#2 an API-only process, plus one worker;
  // callbacks reach either API process, as behind a load balancer.
  cluster = await startCluster({ apis: 2, apiRoles: ['all', 'api'], workers: 1, databaseUrl: pg.url(), redisUrl: redis.url });
  const adminToken = await cluster.login(ADMIN.username, ADMIN.password);
  ({ app, integration } = await addSimWecomIntegration(cluster, adminToken, 'chaos'));
  const rule = await cluster.api(0, 'POST', '/api/keyword-rules', { integrationId: integration.id, name: 'price', keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: REPLY } }, adminToken);
  expect(rule.status).toBe(201);
});

afterAll(async () => {
  await ds?.destroy().catch(() => undefined);
  await cluster?.stop();
  await redis?.kill();
  await pg?.destroy();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * WeCom's side: deliver until the gateway answers 200 (the same MsgId every time), to either API
 * process in turn (a load balancer that tries another one). Returns the deliveries made.
 */
async function deliver(user: string, msgId: string, first: number): Promise<number> {
  const path = new URL(integration.callbackUrl).pathname;
  for (let attempt = 1; attempt <= 400; attempt++) {
    const res = await cluster
      .sim<{ responses?: { status: number }[] }>('POST', '/_sim/wecom/push', {
        callbackUrl: `${cluster.apiUrls[(first + attempt) % cluster.apiUrls.length]}${path}`,
        corpId: app.corpId,
        timeoutMs: 5_000,
        message: { type: 'text', fromUser: user, content: `价格 ${user}`, msgId },
      })
      .catch(() => null);
    if (res?.status === 200 && res.body.responses?.[0]?.status === 200) return attempt;
    await sleep(500);
  }
  throw new Error(`the gateway never accepted ${user}'s message`);
}

async function replies(): Promise<{ byUser: Map<string, number>; times: number[] }> {
  const res = await cluster.sim<{ messages: SimMessage[] }>('GET', `/_sim/wecom/messages?corpId=${app.corpId}`);
  const byUser = new Map<string, number>();
  const times: number[] = [];
  for (const m of res.body.messages) {
    if (m.body.msgtype !== 'text' || m.body.text?.content !== REPLY || !m.body.touser) continue;
    byUser.set(m.body.touser, (byUser.get(m.body.touser) ?? 0) + 1);
    times.push(Date.parse(m.at));
  }
  return { byUser, times };
}

it(`${MESSAGES} messages through worker, all-in-one and API SIGKILLs, a Redis loss and a 10 s PostgreSQL stop: each stored, decided and delivered exactly once`, async () => {
  const users = Array.from({ length: MESSAGES }, (_, i) => `chaos-${i}`);
  let accepted = 0;
  let deliveries = 0;
  const events: string[] = [];
  const t0 = Date.now();
  const note = (what: string): void => {
    events.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what} (after ${accepted} accepted)`);
  };

  // The burst: a few concurrent "WeCom" senders, each taking the next member.
  let next = 0;
  const burst = Promise.all(
    Array.from({ length: PUSHERS }, async () => {
      while (next < users.length) {
        const i = next++;
        const made = await deliver(users[i]!, `88${String(i).padStart(17, '0')}`, i);
        deliveries += made;
        accepted++;
        await sleep(PUSH_PAUSE_MS);
      }
    }),
  );

  // The chaos, each at a random moment once the burst has reached its point.
  const at = async (fraction: number): Promise<void> => {
    while (accepted < Math.floor(MESSAGES * fraction)) await sleep(20);
    await sleep(Math.floor(Math.random() * 300));
  };
  let workers = 1;
  let pgBackAt = 0;
  let lastRestartAt = 0;
  const chaos = (async () => {
    await at(0.1);
    note('SIGKILL worker');
    await cluster.killWorker(0);
    await cluster.addWorker();
    workers++;

    await at(0.25);
    note('SIGKILL all-in-one');
    await cluster.killApi(0);
    await sleep(1_000);
    await cluster.restartApi(0);
    note('all-in-one back');

    await at(0.35);
    note('SIGKILL API-only process');
    await cluster.killApi(1);
    await sleep(1_000);
    await cluster.restartApi(1);
    note('API-only process back');

    await at(0.45);
    note('Redis killed');
    await redis.kill();
    await sleep(2_000);
    await redis.start();
    note('Redis back, empty');

    await at(0.6);
    note('PostgreSQL stopped');
    await pg.stop();
    await sleep(PG_DOWN_MS);
    await pg.start();
    pgBackAt = Date.now();
    note('PostgreSQL back');

    await at(0.85);
    note('SIGKILL worker');
    await cluster.killWorker(workers - 1);
    await cluster.addWorker();
    workers++;
    lastRestartAt = Date.now();
    note('worker back');
  })();

  await Promise.all([burst, chaos]);
  const pushedIn = Date.now() - t0;

  // Every member answered within 30 s of the last restart…
  await expectEventually(
    async () => {
      const { byUser } = await replies();
      expect(users.filter((u) => !byUser.has(u))).toEqual([]);
    },
    { timeoutMs: Math.max(1_000, lastRestartAt + 30_000 - Date.now()), intervalMs: 250 },
  );
  // …and replies flowed again within 10 s of PostgreSQL's return.
  const { times } = await replies();
  const firstAfterPg = Math.min(...times.filter((t) => t >= pgBackAt));
  expect(firstAfterPg - pgBackAt).toBeLessThanOrEqual(10_000);

  // A send cut off by a kill may have reached the member already; its row is settled once the dead
  // process's conversation lock lapses and the send is retried (and dropped by WeCom as a duplicate).
  // Count only after every outbox row is settled, so such a retry would show as a double.
  ds = new DataSource({ type: 'postgres', url: pg.url() });
  await ds.initialize();
  await expectEventually(
    async () => {
      const open: unknown[] = await ds.query(`SELECT id, status FROM outbound_messages WHERE status <> 'sent'`);
      expect(open).toEqual([]);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  await sleep(1_000);
  const { byUser } = await replies();
  const doubled = [...byUser.entries()].filter(([, n]) => n !== 1);
  const stored: { external_id: string; n: number }[] = await ds.query(
    `SELECT ct.external_id, count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
      WHERE m.integration_id = $1 AND m.direction = 'in' GROUP BY ct.external_id`,
    [integration.id],
  );
  const decided: { n: number }[] = await ds.query(
    `SELECT count(*)::int AS n FROM bot_replies br JOIN inbox_events ie ON ie.id = br.inbox_event_id WHERE ie.integration_id = $1`,
    [integration.id],
  );
  const outbox: { status: string; n: number }[] = await ds.query(`SELECT status, count(*)::int AS n FROM outbound_messages GROUP BY status ORDER BY status`);
  const suppressed = await cluster.sim<{ messages: unknown[] }>('GET', `/_sim/wecom/suppressed?corpId=${app.corpId}`);
  process.stdout.write(
    `[chaos] ${MESSAGES} messages, ${deliveries} callback deliveries (WeCom redeliveries included), pushed in ${pushedIn} ms\n` +
      `[chaos] ${events.join('; ')}\n` +
      `[chaos] first reply ${firstAfterPg - pgBackAt} ms after PostgreSQL returned; sends dropped by the duplicate check: ${suppressed.body.messages.length}; doubled: ${doubled.length}\n`,
  );

  expect(stored.length).toBe(MESSAGES);
  expect(stored.filter((r) => r.n !== 1)).toEqual([]);
  expect(decided[0]!.n).toBe(MESSAGES);
  expect(doubled).toEqual([]);
  expect(outbox).toEqual([{ status: 'sent', n: MESSAGES }]);
  await expectEventually(async () => {
    const open: unknown[] = await ds.query(`SELECT id, status FROM inbox_events WHERE integration_id = $1 AND status <> 'processed'`, [integration.id]);
    expect(open).toEqual([]);
  });
});
