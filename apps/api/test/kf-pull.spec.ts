import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { IntegrationView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { InboundSourceSupervisor } from '../src/inbound-sources/inbound-source.supervisor';
import { KF_SYNC_SOURCE } from '../src/kf/kf-sync.source';
import { FAST, openDataSource } from './helpers';
import { startTestApp, type TestApp } from './test-app';

/**
 * 微信客服 pull end to end against the simulator's kf: priming skips history, duplicated and
 * reversed callbacks store and answer every message once and in order, a lost callback is caught by
 * the periodic pull, empty has_more pages are paged through, a servicer's message is never answered.
 * The periodic pull's timer is slowed down so that each test controls which path pulls; it is run by
 * calling its tick (the same code the timer runs).
 */

jest.setTimeout(60_000);

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let periodic: InboundSourceSupervisor;

const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);
const corp = { corpId: `ww${randomBytes(8).toString('hex')}`, agentId: 1000005, secret: alnum(43), token: alnum(24), encodingAesKey: alnum(43) };
let integrationId = '';
let callbackUrl = '';
let kfA = '';
let kfB = '';
const cust = (name: string): string => `wm${name}${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  sim = await startPlatformSim();
  // The periodic pull (and the sweeper) only run when a test ticks them.
  app = await startTestApp({ ...FAST, IMBRIDGE_SWEEP_INTERVAL_MS: '3600000' });
  ds = await openDataSource(app);
  periodic = app.running.app.get(InboundSourceSupervisor);
  sim.wecom.addApp(corp);
  kfA = sim.kf.addAccount({ corpId: corp.corpId, name: '售前' }).openKfid;
  kfB = sim.kf.addAccount({ corpId: corp.corpId, name: '售后' }).openKfid;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

// ---- helpers ----

interface StoredRow {
  external_id: string;
  direction: string;
  text: string | null;
  type: string;
  content: { extra?: Record<string, string> };
}

/** Every message that came from a pull (customer messages, events, servicer messages stored as 'out'). */
async function inbound(): Promise<StoredRow[]> {
  return ds.query(
    `SELECT c.external_id, m.direction, m.text, m.type, m.content FROM messages m
     JOIN conversations cv ON cv.id = m.conversation_id JOIN contacts c ON c.id = cv.contact_id
     WHERE m.integration_id = $1 AND m.inbox_event_id IS NOT NULL ORDER BY m.created_at, m.id`,
    [integrationId],
  );
}

const textsOf = (rows: StoredRow[], openKfid: string, customer: string): string[] =>
  rows.filter((r) => r.external_id === `${openKfid}:${customer}` && r.type !== 'event').map((r) => r.text ?? '');

const repliesTo = (openKfid: string, customer: string): string[] =>
  sim.kf.delivered({ openKfid, externalUserId: customer }).map((m) => (m.body['text'] as { content: string } | undefined)?.content ?? `[${m.msgtype}]`);

const settle = (ms = 600): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function say(openKfid: string, customer: string, content: string, callbackMode?: 'normal' | 'duplicate' | 'hold' | 'none'): Promise<void> {
  await sim.kf.customerSends(openKfid, customer, { type: 'text', content }, callbackMode ? { callbackMode } : {});
}

// ---- tests (in order: each builds on the integration the first one sets up) ----

it('primes a new account: history from before the setup is neither stored nor answered', async () => {
  const early = cust('early');
  await say(kfA, early, '价格 old 1');
  await say(kfA, early, '价格 old 2');
  await say(kfB, early, '价格 old 3');

  const created = await app.api<IntegrationView>(
    'POST',
    '/api/integrations',
    { platform: 'wecom-kf', name: 'kf pull', config: { corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: sim.url } },
    app.adminToken,
  );
  expect(created.status).toBe(201);
  integrationId = created.body.id;
  callbackUrl = created.body.callbackUrl;
  expect(callbackUrl).toContain('/callbacks/wecom-kf/');
  // A silent bot except for the keyword rule: every answer seen at the simulator comes from the rule.
  expect((await app.api('PUT', `/api/integrations/${integrationId}/bot`, { fallbackText: null, handoffAfterFailures: 0 }, app.adminToken)).status).toBe(200);
  const rule = await app.api('POST', '/api/keyword-rules', { integrationId, keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: '价格表' } }, app.adminToken);
  expect(rule.status).toBe(201);
  sim.kf.setCallback(corp.corpId, callbackUrl, 'normal');

  // The first periodic round finds both accounts through kf/account/list and primes them.
  expect(await periodic.round()).toBe(2);
  const cursors: { open_kfid: string; cursor: string; primed: boolean }[] = await ds.query(
    'SELECT open_kfid, cursor, primed_at IS NOT NULL AS primed FROM kf_cursors WHERE integration_id = $1 ORDER BY open_kfid',
    [integrationId],
  );
  expect(cursors.map((c) => c.open_kfid)).toEqual([kfA, kfB].sort());
  expect(cursors.every((c) => c.primed && c.cursor !== '')).toBe(true);

  // Something new after priming is pulled; the old history still is not.
  await say(kfA, early, '价格 new');
  await expectEventually(async () => expect(textsOf(await inbound(), kfA, early)).toEqual(['价格 new']));
  await expectEventually(() => expect(repliesTo(kfA, early)).toEqual(['价格表']));
  await settle();
  expect(textsOf(await inbound(), kfB, early)).toEqual([]);
  expect(repliesTo(kfB, early)).toEqual([]);
  expect(repliesTo(kfA, early)).toEqual(['价格表']);
});

it('stores and answers a burst across two accounts once each, in order per customer, despite duplicated and reversed callbacks', async () => {
  const customers = [cust('a'), cust('b'), cust('c')];
  const rounds = 4; // ≤ 5: the kf quota allows 5 answers after a customer's last message
  for (let i = 1; i <= rounds; i++) {
    for (const kf of [kfA, kfB]) {
      for (const c of customers) await say(kf, c, `价格 ${i}`, i % 2 === 1 ? 'duplicate' : 'hold');
    }
  }
  expect(sim.kf.heldCallbacks()).toBe(2 * customers.length * (rounds / 2));
  await sim.kf.flushCallbacks('reverse');

  const expected = Array.from({ length: rounds }, (_, i) => `价格 ${i + 1}`);
  await expectEventually(
    async () => {
      const rows = await inbound();
      for (const kf of [kfA, kfB]) for (const c of customers) expect(textsOf(rows, kf, c)).toEqual(expected);
    },
    { timeoutMs: 20_000 },
  );
  await expectEventually(
    () => {
      for (const kf of [kfA, kfB]) for (const c of customers) expect(repliesTo(kf, c)).toEqual(Array.from({ length: rounds }, () => '价格表'));
    },
    { timeoutMs: 20_000 },
  );
  await settle(1000);
  const rows = await inbound();
  for (const kf of [kfA, kfB]) for (const c of customers) expect(textsOf(rows, kf, c)).toEqual(expected);
  for (const kf of [kfA, kfB]) for (const c of customers) expect(repliesTo(kf, c)).toHaveLength(rounds);

  // Every notification (the simulator's duplicate is a second notification with its own Token) became
  // one inbox event, consumed by a pull and not stored as a chat message.
  const notify: { status: string; n: string }[] = await ds.query(
    `SELECT status, count(*)::text AS n FROM inbox_events WHERE integration_id = $1 AND dedupe_key LIKE 'kf:notify:%' GROUP BY status`,
    [integrationId],
  );
  expect(notify.map((r) => r.status)).toEqual(['processed']);
  const delivered = sim.kf.callbacks().filter((c) => c.status === 200);
  expect(Number(notify[0]!.n)).toBe(new Set(delivered.map((c) => c.token)).size);
  expect(Number(notify[0]!.n)).toBe(delivered.length);
  expect(delivered.length).toBeGreaterThanOrEqual(1 + 2 * customers.length * rounds + (2 * customers.length * rounds) / 2);
  // No message event is left behind, and no chat message was made out of a notification.
  const pending: { n: string }[] = await ds.query(`SELECT count(*)::text AS n FROM inbox_events WHERE integration_id = $1 AND status <> 'processed'`, [integrationId]);
  expect(pending[0]!.n).toBe('0');
  expect(rows.filter((r) => r.type === 'event').map((r) => r.text)).toEqual([]);
});

it('catches messages whose callback was lost on the periodic pull', async () => {
  const lost = cust('lost');
  sim.kf.setCallback(corp.corpId, callbackUrl, 'none');
  try {
    await say(kfB, lost, '价格 lost 1');
    await say(kfB, lost, '价格 lost 2');
    await settle();
    expect(textsOf(await inbound(), kfB, lost)).toEqual([]);

    expect(await periodic.round()).toBe(2);
    await expectEventually(async () => expect(textsOf(await inbound(), kfB, lost)).toEqual(['价格 lost 1', '价格 lost 2']));
    await expectEventually(() => expect(repliesTo(kfB, lost)).toEqual(['价格表', '价格表']));
    // Another round finds nothing new.
    expect(await periodic.round()).toBe(2);
    await settle();
    expect(textsOf(await inbound(), kfB, lost)).toEqual(['价格 lost 1', '价格 lost 2']);
    expect(repliesTo(kfB, lost)).toHaveLength(2);
  } finally {
    sim.kf.setCallback(corp.corpId, callbackUrl, 'normal');
  }
});

it('pages through empty pages with has_more=1 in one pull', async () => {
  const patient = cust('patient');
  const before = sim.kf.calls('kf/sync_msg').length;
  // One callback, so one pull: it only reaches the message if it keeps going past the empty pages.
  sim.kf.queueEmptyPages(kfA, 3);
  await say(kfA, patient, '价格 after empty pages');
  await expectEventually(async () => expect(textsOf(await inbound(), kfA, patient)).toEqual(['价格 after empty pages']));
  await expectEventually(() => expect(repliesTo(kfA, patient)).toEqual(['价格表']));
  expect(sim.kf.calls('kf/sync_msg').length - before).toBeGreaterThanOrEqual(4);
});

it('stores a message a servicer sent from the WeCom client but never answers it', async () => {
  const customer = cust('svc');
  await say(kfA, customer, 'hello');
  await expectEventually(async () => expect(textsOf(await inbound(), kfA, customer)).toEqual(['hello']));
  sim.kf.setServicer(kfA, 'zhangsan', 0);
  await sim.kf.servicerSends(kfA, customer, 'zhangsan', '价格 is 100');

  await expectEventually(async () => expect(textsOf(await inbound(), kfA, customer)).toEqual(['hello', '价格 is 100']));
  const all = await inbound();
  // The move to the servicer (state 3) is stored as an event in the same chat, not as text.
  expect(all.filter((r) => r.external_id === `${kfA}:${customer}` && r.type === 'event').map((r) => r.content.extra?.['msgtype'])).toEqual(['event']);
  const servicerRow = all.find((r) => r.text === '价格 is 100')!;
  expect(servicerRow.content.extra).toMatchObject({ origin: '5', from_servicer: '1', servicer_userid: 'zhangsan' });
  // Shown as the servicer's message: outgoing, not the customer's.
  expect(servicerRow.direction).toBe('out');
  await settle(1000);
  // The keyword matches, yet the bot queued nothing for this chat.
  const out: { n: string }[] = await ds.query(
    `SELECT count(*)::text AS n FROM outbound_messages o JOIN conversations cv ON cv.id = o.conversation_id JOIN contacts c ON c.id = cv.contact_id
     WHERE c.integration_id = $1 AND c.external_id = $2`,
    [integrationId, `${kfA}:${customer}`],
  );
  expect(out[0]!.n).toBe('0');
  expect(repliesTo(kfA, customer)).toEqual([]);
});

it('primes an account first seen through a callback: keeps what came after the setup, skips what came before', async () => {
  const kfC = sim.kf.addAccount({ corpId: corp.corpId, name: '新号' }).openKfid;
  const [setup]: { created_at: Date }[] = await ds.query('SELECT created_at FROM integrations WHERE id = $1', [integrationId]);
  const setupSeconds = Math.floor(new Date(setup!.created_at).getTime() / 1000);
  const old = cust('old');
  await sim.kf.customerSends(kfC, old, { type: 'text', content: '价格 before setup' }, { sendTime: setupSeconds - 60, callbackMode: 'none' });
  const fresh = cust('fresh');
  // No cursor for this account yet: the pull this callback starts is its priming pull.
  expect(await ds.query('SELECT 1 FROM kf_cursors WHERE integration_id = $1 AND open_kfid = $2', [integrationId, kfC])).toEqual([]);
  await say(kfC, fresh, '价格 first words');

  await expectEventually(async () => expect(textsOf(await inbound(), kfC, fresh)).toEqual(['价格 first words']));
  await expectEventually(() => expect(repliesTo(kfC, fresh)).toEqual(['价格表']));
  const [cursor]: { primed: boolean }[] = await ds.query('SELECT primed_at IS NOT NULL AS primed FROM kf_cursors WHERE integration_id = $1 AND open_kfid = $2', [
    integrationId,
    kfC,
  ]);
  expect(cursor).toEqual({ primed: true });
  await settle();
  expect(textsOf(await inbound(), kfC, old)).toEqual([]);
  expect(repliesTo(kfC, old)).toEqual([]);
});

it('runs one pull per account at a time: a request during a pull makes the running one go round again', async () => {
  const puller = app.running.app.get(InboundSourceSupervisor);
  const customer = cust('lock');
  const before = sim.kf.calls('kf/sync_msg').length;
  // Slow sync_msg answers keep the first pull busy while more requests come in.
  sim.kf.script({ api: 'kf/sync_msg', fromCall: before + 1, count: 20, delayMs: 400 });
  try {
    await say(kfA, customer, '价格 one');
    await expectEventually(() => expect(sim.kf.calls('kf/sync_msg').length).toBeGreaterThan(before));
    // This one's callback is lost; the two requests below arrive during the running pull.
    await say(kfA, customer, '价格 two', 'none');
    // Both are handed over to the running pull (they return once it has taken their request) instead
    // of starting a second one: the sync_msg calls below never overlap.
    await Promise.all([puller.pull(KF_SYNC_SOURCE, integrationId, kfA), puller.pull(KF_SYNC_SOURCE, integrationId, kfA)]);

    await expectEventually(async () => expect(textsOf(await inbound(), kfA, customer)).toEqual(['价格 one', '价格 two']), { timeoutMs: 15_000 });
    await expectEventually(() => expect(repliesTo(kfA, customer)).toEqual(['价格表', '价格表']), { timeoutMs: 15_000 });
    await settle(1000);
    const calls = sim.kf
      .calls('kf/sync_msg')
      .slice(before)
      .filter((c) => (c.body as { open_kfid?: string } | undefined)?.open_kfid === kfA);
    // The running pull went round at least once more, and no two sync_msg calls for the account overlapped.
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at.getTime() - calls[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(390);
    expect(textsOf(await inbound(), kfA, customer)).toEqual(['价格 one', '价格 two']);
  } finally {
    sim.kf.clearScripts('kf/sync_msg');
  }
});

it('names a new customer with their WeChat nickname (kf/customer/batchget); a failed lookup only delays the name', async () => {
  const named = cust('named');
  sim.kf.setCustomerProfile(named, { nickname: '王女士' });
  await say(kfA, named, 'hi there');
  const contactName = async (customer: string): Promise<string | null | undefined> => {
    const rows: { display_name: string | null }[] = await ds.query('SELECT display_name FROM contacts WHERE integration_id = $1 AND external_id = $2', [integrationId, `${kfA}:${customer}`]);
    return rows[0]?.display_name;
  };
  await expectEventually(async () => expect(await contactName(named)).toBe('王女士'));

  // The lookup fails once: the message is stored all the same, nameless; the next message names the customer.
  const later = cust('later');
  sim.kf.setCustomerProfile(later, { nickname: '李先生' });
  sim.kf.script({ api: 'kf/customer/batchget', fromCall: sim.kf.calls('kf/customer/batchget').length + 1, count: 1, errcode: 45009 });
  try {
    await say(kfA, later, 'first');
    await expectEventually(async () => expect(textsOf(await inbound(), kfA, later)).toEqual(['first']));
    expect(await contactName(later)).toBeNull();
    await say(kfA, later, 'second');
    await expectEventually(async () => expect(await contactName(later)).toBe('李先生'));
    expect(textsOf(await inbound(), kfA, later)).toEqual(['first', 'second']);
  } finally {
    sim.kf.clearScripts('kf/customer/batchget');
  }
  // Known names are not looked up again.
  const before = sim.kf.calls('kf/customer/batchget').length;
  await say(kfA, named, 'again');
  await expectEventually(async () => expect(textsOf(await inbound(), kfA, named)).toEqual(['hi there', 'again']));
  expect(sim.kf.calls('kf/customer/batchget').length).toBe(before);
});
