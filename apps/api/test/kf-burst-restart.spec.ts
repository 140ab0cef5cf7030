import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { IntegrationView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { InboundSourceSupervisor } from '../src/inbound-sources/inbound-source.supervisor';
import { FAST, openDataSource } from './helpers';
import { startTestApp, type TestApp } from './test-app';

/**
 * The exactly-once scenario: a burst of 50 customer messages over 3 kf accounts, announced
 * by duplicated, held-and-reversed and lost callbacks, with the API process stopped and started
 * again in the middle of it. Every message must be stored once and answered once, in order per
 * customer, and nothing sent before the integration was set up may be answered.
 *
 * Each of 12 customers writes at most 5 times (the platform's 5-message quota, see below).
 * Each message `b<NN>` has its own keyword rule answering `r<NN>`, so the order of the answers a
 * customer received proves the order in which their messages were processed.
 */

jest.setTimeout(120_000);

const TOTAL = 50;
const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);
const corp = { corpId: `ww${randomBytes(8).toString('hex')}`, agentId: 1000005, secret: alnum(43), token: alnum(24), encodingAesKey: alnum(43) };
const nn = (i: number): string => String(i).padStart(2, '0');

let sim: PlatformSim;
let app: TestApp | undefined;
let ds: DataSource | undefined;

afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

interface Row {
  external_id: string;
  text: string | null;
}

it('stores and answers 50 messages over 3 accounts exactly once, in order, across an API restart', async () => {
  sim = await startPlatformSim();
  sim.wecom.addApp(corp);
  const accounts = ['售前', '售后', '会员'].map((name) => sim.kf.addAccount({ corpId: corp.corpId, name }).openKfid);
  // Four customers per account; message i goes to customer i % 12, so nobody writes more than 5 times.
  // (微信客服 allows 5 messages after the customer's last one: a customer who wrote 9 times while we
  // were down could only get 5 answers once we are back, on the real platform as in the simulator.)
  const customers = accounts.flatMap((kf, a) => [0, 1, 2, 3].map((c) => ({ kf, user: `wm${a}${c}${randomBytes(4).toString('hex')}` })));
  const target = (i: number): { kf: string; user: string } => customers[i % customers.length]!;

  // History from before the setup: must never be answered.
  for (const c of customers) await sim.kf.customerSends(c.kf, c.user, { type: 'text', content: 'b00 history' });

  app = await startTestApp({ ...FAST, IMBRIDGE_SWEEP_INTERVAL_MS: '3600000' });
  const port = new URL(app.url).port;
  const created = await app.api<IntegrationView>(
    'POST',
    '/api/integrations',
    { platform: 'wecom-kf', name: 'kf burst', config: { corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: sim.url } },
    app.adminToken,
  );
  expect(created.status).toBe(201);
  const integrationId = created.body.id;
  expect((await app.api('PUT', `/api/integrations/${integrationId}/bot`, { fallbackText: null, handoffAfterFailures: 0 }, app.adminToken)).status).toBe(200);
  for (let i = 0; i <= TOTAL; i++) {
    const rule = await app.api('POST', '/api/keyword-rules', { integrationId, keywords: [`b${nn(i)}`], matchType: 'contains', reply: { type: 'text', text: `r${nn(i)}` } }, app.adminToken);
    expect(rule.status).toBe(201);
  }
  sim.kf.setCallback(corp.corpId, created.body.callbackUrl, 'normal');
  // Priming: the first periodic round pages past the history of all three accounts.
  expect(await app.running.app.get(InboundSourceSupervisor).round()).toBe(3);

  const modes = ['duplicate', 'hold', 'normal', 'duplicate', 'hold'] as const;
  const say = (i: number): Promise<unknown> =>
    sim.kf.customerSends(target(i).kf, target(i).user, { type: 'text', content: `b${nn(i)}` }, { callbackMode: modes[i % modes.length] });

  // First half; some callbacks are held back and delivered in reverse order while the API is busy.
  for (let i = 1; i <= 25; i++) await say(i);
  await sim.kf.flushCallbacks('reverse');
  // Stop the API while it is still pulling and answering that half.
  const first = app;
  app = undefined;
  await first.close();

  // While it is down: more messages, whose callbacks fail (connection refused) or are held.
  for (let i = 26; i <= 35; i++) await say(i);

  // The same database, Redis prefix, master key and port (the callback URL stays valid). This time
  // the sweeper runs as in production, only faster: it re-drives what the stopped process left
  // half done (an answer whose send was cut off, a notification whose pull was interrupted).
  app = await startTestApp(
    { ...FAST, IMBRIDGE_SWEEP_INTERVAL_MS: '500', IMBRIDGE_INBOX_STALE_MS: '2000', IMBRIDGE_OUTBOUND_STALE_MS: '2000', PORT: port, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
    { databaseUrl: first.databaseUrl, env: first.env },
  );
  ds = await openDataSource(app);
  for (let i = 36; i <= TOTAL; i++) await say(i);
  await sim.kf.flushCallbacks('reverse');
  // What no callback announced (refused while the API was down) is found by the periodic pull, which
  // now also runs on its own every 500 ms.
  await app.running.app.get(InboundSourceSupervisor).round();

  const expectedTexts = (c: { kf: string; user: string }): string[] =>
    Array.from({ length: TOTAL }, (_, k) => k + 1).filter((i) => target(i) === c).map((i) => `b${nn(i)}`);
  const stored = async (): Promise<Row[]> =>
    ds!.query(
      `SELECT ct.external_id, m.text FROM messages m JOIN conversations cv ON cv.id = m.conversation_id JOIN contacts ct ON ct.id = cv.contact_id
       WHERE m.integration_id = $1 AND m.direction = 'in' AND m.type = 'text' ORDER BY m.created_at, m.id`,
      [integrationId],
    );
  const answers = (c: { kf: string; user: string }): string[] =>
    sim.kf.delivered({ openKfid: c.kf, externalUserId: c.user }).map((m) => (m.body['text'] as { content: string } | undefined)?.content ?? `[${m.msgtype}]`);

  await expectEventually(
    async () => {
      const rows = await stored();
      for (const c of customers) expect(rows.filter((r) => r.external_id === `${c.kf}:${c.user}`).map((r) => r.text)).toEqual(expectedTexts(c));
    },
    { timeoutMs: 60_000 },
  );
  await expectEventually(
    () => {
      for (const c of customers) expect(answers(c)).toEqual(expectedTexts(c).map((t) => t.replace('b', 'r')));
    },
    { timeoutMs: 60_000 },
  ).catch(async (err: unknown) => {
    // Say where an answer got stuck: its outbox row and the chat's state.
    const stuck = await ds!.query(
      `SELECT o.status, o.payload->>'text' AS text, o.attempts, o.last_error, c.state FROM outbound_messages o
       JOIN conversations c ON c.id = o.conversation_id WHERE o.integration_id = $1 AND o.status <> 'sent' ORDER BY o.seq`,
      [integrationId],
    );
    throw new Error(`${(err as Error).message}\nunsent answers: ${JSON.stringify(stuck)}`);
  });
  // Quiet for a moment: no late duplicate.
  await new Promise((r) => setTimeout(r, 1500));
  const rows = await stored();
  expect(rows).toHaveLength(TOTAL);
  expect(new Set(rows.map((r) => r.text)).size).toBe(TOTAL);
  for (const c of customers) expect(answers(c)).toEqual(expectedTexts(c).map((t) => t.replace('b', 'r')));
  expect(rows.some((r) => r.text === 'b00 history')).toBe(false);
  const sent: { n: string }[] = await ds.query(`SELECT count(*)::text AS n FROM outbound_messages WHERE integration_id = $1`, [integrationId]);
  expect(sent[0]!.n).toBe(String(TOTAL));
  // The simulator saw callbacks that failed while the API was down, and duplicates.
  const callbacks = sim.kf.callbacks();
  expect(callbacks.some((c) => c.status !== 200)).toBe(true);
  const pending: unknown[] = await ds.query(
    `SELECT dedupe_key, status, attempts, last_error FROM inbox_events WHERE integration_id = $1 AND status <> 'processed'`,
    [integrationId],
  );
  expect(pending).toEqual([]);
});
