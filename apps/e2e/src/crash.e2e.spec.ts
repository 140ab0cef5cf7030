import { DataSource } from 'typeorm';
import type { IntegrationView } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { addSimWecomIntegration, ADMIN, type Cluster, type SimWecomApp, startCluster } from './support/stack';

/**
 * The queue worker is killed with SIGKILL six times, each at a random moment, while a burst of customer messages comes in
 * (the API keeps accepting callbacks); a fresh worker takes over each time. Every stored message must
 * get its bot decision — here a keyword reply — once the last worker runs: the inbox keeps an event
 * 'deciding' until the decision commits, and recovery decides it again (the bot's claim per event keeps
 * it single). And none is delivered twice: a send in flight when the worker died is sent again with
 * the same JSON under WeCom's duplicate check, which drops it if the first had arrived (the simulator
 * lists those as suppressed).
 */

jest.setTimeout(240_000);

const USERS = 120;
/** After these many messages pushed, the worker is killed and a new one started (the kills land at different points of its work). */
const KILL_AT = [10, 28, 46, 64, 82, 100];

interface SimSentMessage {
  body: { touser?: string; msgtype?: string; text?: { content?: string } };
}

let cluster: Cluster;
let ds: DataSource;
let integration: IntegrationView;
let app: SimWecomApp;

beforeAll(async () => {
  // Default sweeper settings: a new worker's recovery round and Bull's stalled-job check resume the work.
  cluster = await startCluster({ apis: 1, workers: 1 });
  ds = new DataSource({ type: 'postgres', url: cluster.databaseUrl });
  await ds.initialize();
  const adminToken = await cluster.login(ADMIN.username, ADMIN.password);
  ({ app, integration } = await addSimWecomIntegration(cluster, adminToken, 'crash'));
  const rule = await cluster.api(0, 'POST', '/api/keyword-rules', {
    integrationId: integration.id,
    name: 'price',
    keywords: ['价格'],
    matchType: 'contains',
    reply: { type: 'text', text: '价格表' },
  }, adminToken);
  expect(rule.status).toBe(201);
});

afterAll(async () => {
  await ds?.destroy();
  await cluster?.stop();
});

async function push(user: string): Promise<void> {
  const res = await cluster.sim<{ responses: { status: number }[] }>('POST', '/_sim/wecom/push', {
    callbackUrl: integration.callbackUrl,
    corpId: app.corpId,
    message: { type: 'text', fromUser: user, content: `价格 ${user}` },
  });
  expect(res.body.responses.map((r) => r.status)).toEqual([200]);
}

it('a worker killed six times during a burst loses no reply: every message is stored once and answered', async () => {
  const users = Array.from({ length: USERS }, (_, i) => `crash-user-${i}`);
  let worker = 0;
  const started = Date.now();
  for (let i = 0; i < users.length; i += 5) {
    await Promise.all(users.slice(i, i + 5).map(push));
    if (KILL_AT.some((k) => i < k && i + 5 >= k)) {
      // Let the worker get into its work (a different moment each time), then kill it mid-flight.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 600)));
      await cluster.killWorker(worker);
      // The API goes on accepting while no worker runs; then a new worker starts.
      await Promise.all(users.slice(i + 5, i + 15).map(push));
      i += 10;
      await cluster.addWorker();
      worker++;
    }
  }
  const pushedIn = Date.now() - started;

  const replies = async (): Promise<Map<string, number>> => {
    const res = await cluster.sim<{ messages: SimSentMessage[] }>('GET', `/_sim/wecom/messages?corpId=${app.corpId}`);
    const byUser = new Map<string, number>();
    for (const m of res.body.messages) {
      if (m.body.msgtype === 'text' && m.body.text?.content === '价格表' && m.body.touser) byUser.set(m.body.touser, (byUser.get(m.body.touser) ?? 0) + 1);
    }
    return byUser;
  };
  const lost = async (): Promise<string[]> => {
    const got = await replies();
    return users.filter((u) => !got.has(u));
  };
  // Every reply within 30 s of the last restart (a failure shows where the missing ones stand).
  await expectEventually(
    async () => {
      const missing = await lost();
      if (missing.length === 0) return;
      const where: unknown[] = await ds.query(
        `SELECT ct.external_id, ie.status AS inbox, ie.attempts, om.status AS outbox, om.attempts AS sends, om.updated_at
           FROM inbox_events ie
           LEFT JOIN contacts ct ON ct.integration_id = ie.integration_id AND ct.external_id = ie.conversation_key
           LEFT JOIN messages m ON m.integration_id = ie.integration_id AND m.direction = 'out' AND m.conversation_id IN (SELECT id FROM conversations WHERE contact_id = ct.id)
           LEFT JOIN outbound_messages om ON om.message_id = m.id
          WHERE ie.integration_id = $1 AND ie.conversation_key = ANY($2)`,
        [integration.id, missing],
      );
      expect(where).toEqual([]);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  const stored: { external_id: string; n: number }[] = await ds.query(
    `SELECT ct.external_id, count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
      WHERE m.integration_id = $1 AND m.direction = 'in' GROUP BY ct.external_id`,
    [integration.id],
  );
  expect(stored.length).toBe(USERS);
  expect(stored.filter((r) => r.n !== 1)).toEqual([]);
  const decisions: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM bot_replies br JOIN inbox_events ie ON ie.id = br.inbox_event_id WHERE ie.integration_id = $1`, [integration.id]);
  expect(decisions[0]!.n).toBe(USERS);
  await expectEventually(async () => {
    const open: unknown[] = await ds.query(`SELECT 1 FROM inbox_events WHERE integration_id = $1 AND status <> 'processed'`, [integration.id]);
    expect(open).toEqual([]);
  });
  // Sends cut off by a kill are retried once the dead worker's conversation lock lapses: count after
  // every outbox row has settled, so that a retry that reached the member again would show.
  await expectEventually(
    async () => {
      const open: unknown[] = await ds.query(`SELECT id, status FROM outbound_messages WHERE integration_id = $1 AND status <> 'sent'`, [integration.id]);
      expect(open).toEqual([]);
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  const doubled = [...(await replies()).entries()].filter(([, n]) => n > 1);
  const suppressed = await cluster.sim<{ messages: unknown[] }>('GET', `/_sim/wecom/suppressed?corpId=${app.corpId}`);
  process.stdout.write(
    `[crash] ${USERS} messages pushed in ${pushedIn} ms with ${KILL_AT.length} worker kills: 0 lost, ${doubled.length} delivered twice, ${suppressed.body.messages.length} re-sends dropped by the duplicate check\n`,
  );
  expect(doubled).toEqual([]);
});
