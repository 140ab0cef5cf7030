import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { IntegrationView, KfAccountsResponse, KfAccountView, KfContactLink, KfServicerView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { InboundSourceSupervisor } from '../src/inbound-sources/inbound-source.supervisor';
import { FAST, newAgent, openDataSource, type ErrorBody } from './helpers';
import { newSimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * 微信客服 account configuration (GET/PUT /api/integrations/:id/kf/accounts, links, servicers) and the
 * pull's account options (served, history import on setup), against the simulator's kf. The periodic
 * pull's timer is slowed down; tests run its tick. Tests run in order on one integration created with
 * historyOnSetup 'import'.
 */

jest.setTimeout(60_000);

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let periodic: InboundSourceSupervisor;
let mediaDir = '';

const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);
const corp = { corpId: `ww${randomBytes(8).toString('hex')}`, agentId: 1000005, secret: alnum(43), token: alnum(24), encodingAesKey: alnum(43) };
const cust = (name: string): string => `wm${name}${randomBytes(4).toString('hex')}`;
let integrationId = '';
let callbackUrl = '';
let kfA = '';
let kfB = '';
const earlyA = cust('earlyA');
const earlyB = cust('earlyB');
let freshB = '';

const base = (): string => `/api/integrations/${integrationId}/kf/accounts`;
const settle = (ms = 800): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface StoredRow {
  external_id: string;
  text: string | null;
  type: string;
  content: { extra?: Record<string, string>; media?: { mediaId?: string }; mediaFileId?: string };
  unread_count: number;
}

async function inbound(externalId: string): Promise<StoredRow[]> {
  return ds.query(
    `SELECT c.external_id, m.text, m.type, m.content, cv.unread_count FROM messages m
     JOIN conversations cv ON cv.id = m.conversation_id JOIN contacts c ON c.id = cv.contact_id
     WHERE m.integration_id = $1 AND m.direction = 'in' AND c.external_id = $2 ORDER BY m.created_at, m.id`,
    [integrationId, externalId],
  );
}

const fieldsOf = (body: ErrorBody): string[] => (body.details ?? []).map((d) => d.field);

beforeAll(async () => {
  mediaDir = mkdtempSync(join(tmpdir(), 'imbridge-kf-media-'));
  sim = await startPlatformSim();
  app = await startTestApp({ ...FAST, IMBRIDGE_SWEEP_INTERVAL_MS: '3600000', IMBRIDGE_MEDIA_DIR: mediaDir });
  ds = await openDataSource(app);
  periodic = app.running.app.get(InboundSourceSupervisor);
  sim.wecom.addApp(corp);
  kfA = sim.kf.addAccount({ corpId: corp.corpId, name: '售前' }).openKfid;
  kfB = sim.kf.addAccount({ corpId: corp.corpId, name: '售后' }).openKfid;
  // Chats from before the integration exists: history for the import.
  await sim.kf.customerSends(kfA, earlyA, { type: 'text', content: '价格 old 1' });
  await sim.kf.customerSends(kfA, earlyA, { type: 'text', content: '价格 old 2' });
  await sim.kf.customerSends(kfB, earlyB, { type: 'text', content: '价格 old on B' });

  const created = await app.api<IntegrationView>(
    'POST',
    '/api/integrations',
    {
      platform: 'wecom-kf',
      name: 'kf accounts',
      config: { corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: sim.url, historyOnSetup: 'import' },
    },
    app.adminToken,
  );
  expect(created.status).toBe(201);
  integrationId = created.body.id;
  callbackUrl = created.body.callbackUrl;
  // A silent bot except for the keyword rule: every answer at the simulator comes from the rule.
  expect((await app.api('PUT', `/api/integrations/${integrationId}/bot`, { fallbackText: null, handoffAfterFailures: 0 }, app.adminToken)).status).toBe(200);
  const rule = await app.api('POST', '/api/keyword-rules', { integrationId, keywords: ['价格'], matchType: 'contains', reply: { type: 'text', text: '价格表' } }, app.adminToken);
  expect(rule.status).toBe(201);
  sim.kf.setCallback(corp.corpId, callbackUrl, 'normal');
  // send_time has whole seconds and a message of the setup's second counts as from before the setup:
  // the messages the tests send as "new" are sent in a later second.
  const [setup]: { created_at: Date }[] = await ds.query('SELECT created_at FROM integrations WHERE id = $1', [integrationId]);
  await settle(Math.max(0, (Math.floor(new Date(setup!.created_at).getTime() / 1000) + 1) * 1000 - Date.now() + 50));
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
  if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
});

it('lists the platform accounts with default settings before anything was saved or pulled', async () => {
  const res = await app.api<KfAccountsResponse>('GET', base(), undefined, app.adminToken);
  expect(res.status).toBe(200);
  expect(res.body.platformError).toBeNull();
  expect(res.body.accounts.map((a) => [a.openKfId, a.name, a.onPlatform])).toEqual([
    [kfA, '售前', true],
    [kfB, '售后', true],
  ]);
  expect(res.body.accounts[0]).toEqual({
    openKfId: kfA,
    name: '售前',
    avatar: expect.any(String),
    onPlatform: true,
    served: true,
    pipeline: 'bot',
    handoff: 'console',
    servicerUserId: null,
    welcome: { enabled: false, type: 'text', text: '' },
    endMessage: null,
    links: [],
    primedAt: null,
    lastPulledAt: null,
  });
});

it('saves settings, and refuses invalid ones with zh/en field errors', async () => {
  const saved = await app.api<KfAccountView>(
    'PUT',
    `${base()}/${kfA}`,
    { handoff: 'wecom', servicerUserId: 'zhangsan', welcome: { enabled: true, type: 'menu', menu: { head: '请选择', items: [{ id: 'price', content: '价格' }, { id: 'human-1', content: '人工' }] } }, endMessage: '感谢咨询' },
    app.adminToken,
  );
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({
    openKfId: kfA,
    name: '售前',
    onPlatform: true,
    served: true,
    pipeline: 'bot',
    handoff: 'wecom',
    servicerUserId: 'zhangsan',
    welcome: { enabled: true, type: 'menu', menu: { head: '请选择', items: [{ id: 'price', content: '价格' }, { id: 'human-1', content: '人工' }] } },
    endMessage: '感谢咨询',
  });
  // A partial update keeps the rest.
  const partial = await app.api<KfAccountView>('PUT', `${base()}/${kfA}`, { pipeline: 'human' }, app.adminToken);
  expect(partial.status).toBe(200);
  expect(partial.body).toMatchObject({ pipeline: 'human', handoff: 'wecom', servicerUserId: 'zhangsan', endMessage: '感谢咨询' });
  const back = await app.api<KfAccountView>('PUT', `${base()}/${kfA}`, { pipeline: 'bot', handoff: 'console', servicerUserId: null }, app.adminToken);
  expect(back.body).toMatchObject({ pipeline: 'bot', handoff: 'console', servicerUserId: null, endMessage: '感谢咨询' });

  const bad = await app.api<ErrorBody>(
    'PUT',
    `${base()}/${kfA}`,
    {
      servicerUserId: 'u'.repeat(65),
      endMessage: '好'.repeat(683), // 2049 bytes
      welcome: { enabled: true, type: 'menu', menu: { items: [{ id: 'bad id!', content: '' }, { id: 'ok', content: 'x'.repeat(129) }] } },
    },
    app.adminToken,
  );
  expect(bad.status).toBe(400);
  expect(bad.body.code).toBe('VALIDATION_FAILED');
  expect(fieldsOf(bad.body).sort()).toEqual(['endMessage', 'servicerUserId', 'welcome.menu.items[0].content', 'welcome.menu.items[0].id', 'welcome.menu.items[1].content'].sort());
  for (const d of bad.body.details ?? []) {
    expect(d.message.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(d.message.en).toMatch(/[a-z]/);
  }
  expect(bad.body.messageZh).toContain('结束语不能超过 2048 字节');

  const emptyText = await app.api<ErrorBody>('PUT', `${base()}/${kfA}`, { welcome: { enabled: true, type: 'text', text: '  ' } }, app.adminToken);
  expect(emptyText.status).toBe(400);
  expect(emptyText.body.details).toEqual([{ field: 'welcome.text', message: { zh: '请填写欢迎语内容（或关闭欢迎语）', en: 'enter the welcome text (or disable the welcome)' } }]);
  const longText = await app.api<ErrorBody>('PUT', `${base()}/${kfA}`, { welcome: { enabled: false, type: 'text', text: 'a'.repeat(2049) } }, app.adminToken);
  expect(fieldsOf(longText.body)).toEqual(['welcome.text']);
  const noItems = await app.api<ErrorBody>('PUT', `${base()}/${kfA}`, { welcome: { enabled: true, type: 'menu', menu: { items: [] } } }, app.adminToken);
  expect(fieldsOf(noItems.body)).toEqual(['welcome.menu.items']);
  const tooMany = Array.from({ length: 11 }, (_, i) => ({ id: `o${i}`, content: `选项 ${i}` }));
  const elevenItems = await app.api<ErrorBody>('PUT', `${base()}/${kfA}`, { welcome: { enabled: true, type: 'menu', menu: { items: tooMany } } }, app.adminToken);
  expect(fieldsOf(elevenItems.body)).toEqual(['welcome.menu.items']);
  const wrongType = await app.api<ErrorBody>('PUT', `${base()}/${kfA}`, { served: 'yes', pipeline: 'robot' }, app.adminToken);
  expect(wrongType.status).toBe(400);
  expect(fieldsOf(wrongType.body).sort()).toEqual(['pipeline', 'served']);

  // Nothing of the refused requests was stored.
  const list = await app.api<KfAccountsResponse>('GET', base(), undefined, app.adminToken);
  expect(list.body.accounts.find((a) => a.openKfId === kfA)).toMatchObject({ pipeline: 'bot', endMessage: '感谢咨询', welcome: { type: 'menu' } });

  // An account the platform does not list (and we never stored) is unknown.
  const unknown = await app.api<ErrorBody>('PUT', `${base()}/wkUNKNOWNaccount`, { served: false }, app.adminToken);
  expect(unknown.status).toBe(404);
  expect(unknown.body.messageZh).toBeTruthy();
});

it('does not pull an account marked not served: nothing stored, cursor untouched', async () => {
  expect((await app.api('PUT', `${base()}/${kfB}`, { served: false }, app.adminToken)).status).toBe(200);
  const syncCallsB = (): number => sim.kf.calls('kf/sync_msg').filter((c) => (c.body as { open_kfid?: string } | undefined)?.open_kfid === kfB).length;

  // The periodic round only pulls (and primes) the served account.
  expect(await periodic.round()).toBe(1);
  const cursors: { open_kfid: string; primed: boolean }[] = await ds.query(
    'SELECT open_kfid, primed_at IS NOT NULL AS primed FROM kf_cursors WHERE integration_id = $1 ORDER BY open_kfid',
    [integrationId],
  );
  expect(cursors).toEqual([{ open_kfid: kfA, primed: true }]);

  // A notification for the unserved account is consumed, but stores nothing and does not touch its cursor.
  freshB = cust('freshB');
  await sim.kf.customerSends(kfB, freshB, { type: 'text', content: '价格 on B' });
  await expectEventually(async () => {
    const notify: { status: string }[] = await ds.query(`SELECT status FROM inbox_events WHERE integration_id = $1 AND conversation_key = $2`, [integrationId, `kf:${kfB}`]);
    expect(notify.map((n) => n.status)).toEqual(['processed']);
  });
  await settle();
  expect(syncCallsB()).toBe(0);
  expect(await inbound(`${kfB}:${freshB}`)).toEqual([]);
  expect(await inbound(`${kfB}:${earlyB}`)).toEqual([]);
  expect(await ds.query('SELECT 1 FROM kf_cursors WHERE integration_id = $1 AND open_kfid = $2', [integrationId, kfB])).toEqual([]);
  expect(sim.kf.delivered({ openKfid: kfB })).toEqual([]);

  // The list shows the pull state.
  const list = await app.api<KfAccountsResponse>('GET', base(), undefined, app.adminToken);
  const a = list.body.accounts.find((x) => x.openKfId === kfA)!;
  const b = list.body.accounts.find((x) => x.openKfId === kfB)!;
  expect(a.primedAt).toEqual(expect.any(String));
  expect(a.lastPulledAt).toEqual(expect.any(String));
  expect(b).toMatchObject({ served: false, primedAt: null, lastPulledAt: null });
});

it('imports the history from before the setup on the priming pull: stored and marked, not unread, never answered', async () => {
  // kfA was primed by the previous test's round.
  await expectEventually(async () => expect((await inbound(`${kfA}:${earlyA}`)).map((r) => r.text)).toEqual(['价格 old 1', '价格 old 2']));
  const history = await inbound(`${kfA}:${earlyA}`);
  expect(history.map((r) => r.content.extra?.['history'])).toEqual(['1', '1']);
  expect(history.map((r) => r.unread_count)).toEqual([0, 0]);

  // Something new after the setup is answered (the bot works; history is what it must leave alone).
  const later = cust('laterA');
  await sim.kf.customerSends(kfA, later, { type: 'text', content: '价格 new' });
  await expectEventually(() => expect(sim.kf.delivered({ openKfid: kfA, externalUserId: later })).toHaveLength(1));
  expect((await inbound(`${kfA}:${later}`)).map((r) => r.content.extra?.['history'] ?? null)).toEqual([null]);

  // Served again, kfB is primed by the next round: what came before the setup is history, what came after is not.
  expect((await app.api('PUT', `${base()}/${kfB}`, { served: true }, app.adminToken)).status).toBe(200);
  expect(await periodic.round()).toBe(2);
  await expectEventually(async () => expect((await inbound(`${kfB}:${earlyB}`)).map((r) => [r.text, r.content.extra?.['history']])).toEqual([['价格 old on B', '1']]));
  await expectEventually(async () => expect((await inbound(`${kfB}:${freshB}`)).map((r) => [r.text, r.content.extra?.['history'] ?? null])).toEqual([['价格 on B', null]]));
  await expectEventually(() => expect(sim.kf.delivered({ openKfid: kfB, externalUserId: freshB })).toHaveLength(1));
  await settle();
  expect((await inbound(`${kfB}:${earlyB}`)).map((r) => r.unread_count)).toEqual([0]);
  // Nothing of the history was answered.
  expect(sim.kf.delivered({ openKfid: kfA, externalUserId: earlyA })).toEqual([]);
  expect(sim.kf.delivered({ openKfid: kfB, externalUserId: earlyB })).toEqual([]);
  const queued: { n: string }[] = await ds.query(
    `SELECT count(*)::text AS n FROM outbound_messages o JOIN conversations cv ON cv.id = o.conversation_id JOIN contacts c ON c.id = cv.contact_id
     WHERE c.integration_id = $1 AND c.external_id = ANY($2)`,
    [integrationId, [`${kfA}:${earlyA}`, `${kfB}:${earlyB}`]],
  );
  expect(queued[0]!.n).toBe('0');
});

it('creates a contact link with scene and sceneParam, returns the stored one for the same scene, and forgets it', async () => {
  const before = sim.kf.calls('kf/add_contact_way').length;
  const param = '订单 1001&x=1';
  const created = await app.api<KfContactLink>('POST', `${base()}/${kfA}/links`, { scene: 'home_page-1', sceneParam: param }, app.adminToken);
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ scene: 'home_page-1', sceneParam: param, url: expect.any(String), createdAt: expect.any(String) });
  expect(created.body.url).toMatch(new RegExp(`^https://work\\.weixin\\.qq\\.com/kfid/${kfA}\\?enc_scene=home_page-1&scene_param=`));
  expect(created.body.url.endsWith(`&scene_param=${encodeURIComponent(param)}`)).toBe(true);
  expect(sim.kf.calls('kf/add_contact_way').length - before).toBe(1);

  const again = await app.api<KfContactLink>('POST', `${base()}/${kfA}/links`, { scene: 'home_page-1', sceneParam: 'other' }, app.adminToken);
  expect(again.status).toBe(200);
  expect(again.body).toEqual(created.body);
  expect(sim.kf.calls('kf/add_contact_way').length - before).toBe(1);

  const plain = await app.api<KfContactLink>('POST', `${base()}/${kfA}/links`, { scene: 'plain' }, app.adminToken);
  expect(plain.status).toBe(201);
  expect(plain.body.sceneParam).toBeNull();
  expect(plain.body.url).not.toContain('scene_param');

  const list = await app.api<KfAccountsResponse>('GET', base(), undefined, app.adminToken);
  expect(list.body.accounts.find((a) => a.openKfId === kfA)!.links).toEqual([created.body, plain.body]);

  const badScene = await app.api<ErrorBody>('POST', `${base()}/${kfA}/links`, { scene: 'no spaces!', sceneParam: 'x'.repeat(129) }, app.adminToken);
  expect(badScene.status).toBe(400);
  expect(fieldsOf(badScene.body).sort()).toEqual(['scene', 'sceneParam']);
  const unknown = await app.api<ErrorBody>('POST', `${base()}/wkUNKNOWNaccount/links`, { scene: 'x' }, app.adminToken);
  expect(unknown.status).toBe(404);

  expect((await app.api('DELETE', `${base()}/${kfA}/links/home_page-1`, undefined, app.adminToken)).status).toBe(204);
  const after = await app.api<KfAccountsResponse>('GET', base(), undefined, app.adminToken);
  expect(after.body.accounts.find((a) => a.openKfId === kfA)!.links).toEqual([plain.body]);
  // The scene can be made again: a new link from the platform.
  const remade = await app.api<KfContactLink>('POST', `${base()}/${kfA}/links`, { scene: 'home_page-1' }, app.adminToken);
  expect(remade.status).toBe(201);
  expect(sim.kf.calls('kf/add_contact_way').length - before).toBe(3);
});

it('lists the servicers of an account', async () => {
  sim.kf.setServicer(kfA, 'zhangsan', 0);
  sim.kf.setServicer(kfA, 'lisi', 1);
  const res = await app.api<KfServicerView[]>('GET', `${base()}/${kfA}/servicers`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  expect([...res.body].sort((x, y) => x.userId.localeCompare(y.userId))).toEqual([
    { userId: 'lisi', status: 1 },
    { userId: 'zhangsan', status: 0 },
  ]);
});

it('answers the stored accounts with platformError when kf/account/list fails', async () => {
  sim.kf.script({ api: 'kf/account/list', fromCall: sim.kf.calls('kf/account/list').length + 1, count: 10, errcode: 60020, errmsg: 'not allow to access from your ip' });
  try {
    const res = await app.api<KfAccountsResponse>('GET', base(), undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body.platformError).toMatchObject({ code: 'PLATFORM_ERROR', platformCode: '60020' });
    expect(res.body.platformError!.messageZh).toContain('企业微信');
    expect(res.body.accounts.map((a) => [a.openKfId, a.name, a.onPlatform]).sort()).toEqual(
      [
        [kfA, '售前', false],
        [kfB, '售后', false],
      ].sort(),
    );
    // Settings and links are still there.
    expect(res.body.accounts.find((a) => a.openKfId === kfA)).toMatchObject({ endMessage: '感谢咨询', links: [expect.objectContaining({ scene: 'plain' }), expect.objectContaining({ scene: 'home_page-1' })] });
    // A stored account's settings can still be changed.
    const saved = await app.api<KfAccountView>('PUT', `${base()}/${kfA}`, { endMessage: '' }, app.adminToken);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ endMessage: null, onPlatform: false });
  } finally {
    sim.kf.clearScripts('kf/account/list');
  }
  const servicerFault = sim.kf.calls('kf/servicer/list').length + 1;
  sim.kf.script({ api: 'kf/servicer/list', fromCall: servicerFault, count: 1, errcode: 60020, errmsg: 'not allow to access from your ip' });
  const failed = await app.api<ErrorBody>('GET', `${base()}/${kfA}/servicers`, undefined, app.adminToken);
  expect(failed.status).toBe(502);
  expect(failed.body).toMatchObject({ code: 'PLATFORM_ERROR', messageZh: expect.stringContaining('企业微信') });
});

it('refuses agents (403) and integrations of other platforms (404)', async () => {
  const agent = await newAgent(app, `kfagent${randomBytes(3).toString('hex')}`);
  expect((await app.api('GET', base(), undefined, agent.token)).status).toBe(403);
  expect((await app.api('PUT', `${base()}/${kfA}`, { served: false }, agent.token)).status).toBe(403);
  expect((await app.api('POST', `${base()}/${kfA}/links`, { scene: 'x' }, agent.token)).status).toBe(403);
  expect((await app.api('GET', `${base()}/${kfA}/servicers`, undefined, agent.token)).status).toBe(403);

  const wecom = await newSimCorp(app, sim, { name: 'not kf' });
  const other = await app.api<ErrorBody>('GET', `/api/integrations/${wecom.integrationId}/kf/accounts`, undefined, app.adminToken);
  expect(other.status).toBe(404);
  expect(other.body.code).toBe('NOT_FOUND');
  expect((await app.api('GET', '/api/integrations/not-a-uuid/kf/accounts', undefined, app.adminToken)).status).toBe(404);
  expect((await app.api('PUT', `/api/integrations/${wecom.integrationId}/kf/accounts/${kfA}`, { served: false }, app.adminToken)).status).toBe(404);
});

it('downloads the media of inbound kf image and file messages into the media store', async () => {
  const customer = cust('media');
  await sim.kf.customerSends(kfA, customer, { type: 'image' });
  await sim.kf.customerSends(kfA, customer, { type: 'file', fileName: '报价单.pdf' });
  const rows = await expectEventually(async () => {
    const r = await inbound(`${kfA}:${customer}`);
    expect(r.map((x) => x.type)).toEqual(['image', 'file']);
    expect(r.every((x) => typeof x.content.mediaFileId === 'string')).toBe(true);
    return r;
  });
  for (const row of rows) {
    const mediaId = row.content.media!.mediaId!;
    const original = sim.wecom.media(mediaId)!;
    expect(original).toBeDefined();
    const stored = await expectEventually(
      async () => {
        const [m]: { status: string; sha256: string; file_name: string; content_type: string; error: unknown }[] = await ds.query(
          'SELECT status, sha256, file_name, content_type, error FROM media_files WHERE id = $1',
          [row.content.mediaFileId],
        );
        expect(m?.status).toBe('stored');
        return m!;
      },
      { timeoutMs: 20_000 },
    );
    expect(stored.sha256).toBe(createHash('sha256').update(Buffer.from(original.bytes)).digest('hex'));
    if (row.type === 'file') expect(stored.file_name).toBe('报价单.pdf');
    else expect(stored.content_type).toBe('image/png');
  }
});
