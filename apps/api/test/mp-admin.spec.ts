import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { IntegrationView, MpMenu, MpMenuView, MpQrCodeView, MpStatusView } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { newAgent, openDataSource, type ErrorBody } from './helpers';
import { startTestApp, wecomConfig, type TestApp } from './test-app';

/**
 * 公众号 administration (/api/integrations/:id/mp/*): status, custom menu, parameterized QR codes,
 * against the simulator's mp accounts. Each account kind has its own integration and sim account.
 */

jest.setTimeout(60_000);

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;

const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);

interface Account {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
}
const newAccount = (): Account => ({ appId: `wx${randomBytes(8).toString('hex')}`, appSecret: alnum(32), token: alnum(24), encodingAesKey: alnum(43) });

type Mode = 'plain' | 'compatible' | 'safe';
type Kind = 'service' | 'subscription';

/** An mp integration and the matching sim account (its callback URL set to the integration's). */
async function setup(mode: Mode, accountType: Kind, verified: boolean, extra: Record<string, unknown> = {}): Promise<{ id: string; account: Account }> {
  const account = newAccount();
  const created = await app.api<IntegrationView>(
    'POST',
    '/api/integrations',
    {
      platform: 'mp',
      name: `mp ${mode} ${accountType} ${verified ? 'verified' : 'unverified'}`,
      config: { ...account, encryptionMode: mode, accountType, verified, apiBaseUrl: sim.url, ...extra },
    },
    app.adminToken,
  );
  expect({ status: created.status, body: created.status === 201 ? 'ok' : created.body }).toEqual({ status: 201, body: 'ok' });
  sim.mp.addAccount({ ...account, mode, accountType, verified, callbackUrl: created.body.callbackUrl });
  return { id: created.body.id, account };
}

let main: { id: string; account: Account };
let unverifiedSub: { id: string; account: Account };
let compatibleSub: { id: string; account: Account };

const mpPath = (id: string, rest: string): string => `/api/integrations/${id}/mp/${rest}`;
const fieldsOf = (body: ErrorBody): string[] => (body.details ?? []).map((d) => d.field);

const MENU: MpMenu = {
  button: [
    { name: '今日歌曲', type: 'click', key: 'V1001_TODAY_MUSIC' },
    {
      name: '菜单',
      sub_button: [
        { name: '搜索', type: 'view', url: 'https://www.soso.com/' },
        { name: '扫码', type: 'scancode_push', key: 'rselfmenu_0_1' },
      ],
    },
    { name: 'Help', type: 'view', url: 'https://example.com/help' },
  ],
};

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp({ IMBRIDGE_SWEEP_INTERVAL_MS: '3600000' });
  ds = await openDataSource(app);
  // Scans push callbacks at the gateway; keep a slow answer from holding the tests up.
  sim.mp.configure({ callbackTimeoutMs: 3000, callbackMaxDeliveries: 1 });
  main = await setup('safe', 'service', true);
  unverifiedSub = await setup('plain', 'subscription', false);
  compatibleSub = await setup('compatible', 'subscription', true);
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

describe('integration config: EncodingAESKey across fields', () => {
  it('safe mode without an EncodingAESKey is refused with the field named; plain mode without one is accepted', async () => {
    const { encodingAesKey: _unused, ...noKey } = newAccount();
    const safe = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'mp', name: 'no key', config: { ...noKey, encryptionMode: 'safe', accountType: 'service' } }, app.adminToken);
    expect(safe.status).toBe(400);
    expect(safe.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(safe.body)).toEqual(['encodingAesKey']);
    expect(safe.body.details?.[0]?.message.zh).toMatch(/EncodingAESKey/);
    // The default mode is safe: no mode and no key is refused too.
    const dflt = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'mp', name: 'no key', config: { ...noKey, accountType: 'service' } }, app.adminToken);
    expect(dflt.status).toBe(400);
    expect(fieldsOf(dflt.body)).toEqual(['encodingAesKey']);
    const plain = await app.api<IntegrationView>('POST', '/api/integrations', { platform: 'mp', name: 'plain', config: { ...noKey, encryptionMode: 'plain', accountType: 'service' } }, app.adminToken);
    expect(plain.status).toBe(201);
  });
});

describe('GET …/mp/status', () => {
  it('a verified service account in safe mode: customer-service API, no warning, menus and QR codes', async () => {
    const res = await app.api<MpStatusView>('GET', mpPath(main.id, 'status'), undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deliveryMode: 'customer-service',
      deliveryReason: { zh: expect.stringContaining('服务号'), en: expect.stringContaining('Service accounts') },
      encryptionMode: 'safe',
      encryptionWarning: null,
      canUseMenu: true,
      canUseQrCodes: true,
    });
  });

  it('an unverified subscription account in plain mode: passive replies, an insecurity warning, neither menus nor QR codes', async () => {
    const res = await app.api<MpStatusView>('GET', mpPath(unverifiedSub.id, 'status'), undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deliveryMode: 'passive', encryptionMode: 'plain', canUseMenu: false, canUseQrCodes: false });
    expect(res.body.deliveryReason.zh).toContain('被动回复');
    expect(res.body.deliveryReason.en).toMatch(/no customer-service API/);
    expect(res.body.encryptionWarning?.zh).toMatch(/不安全.*伪造.*安全模式/s);
    expect(res.body.encryptionWarning?.en).toMatch(/insecure.*forged.*safe mode/s);
  });

  it('a verified subscription account in compatible mode: customer-service API, menus but no QR codes, the compatible-mode note', async () => {
    const res = await app.api<MpStatusView>('GET', mpPath(compatibleSub.id, 'status'), undefined, app.adminToken);
    expect(res.body).toMatchObject({ deliveryMode: 'customer-service', encryptionMode: 'compatible', canUseMenu: true, canUseQrCodes: false });
    expect(res.body.deliveryReason.en).toMatch(/Verified subscription accounts/);
    expect(res.body.encryptionWarning?.zh).toMatch(/明文和密文.*只信任.*密文.*安全模式/s);
    expect(res.body.encryptionWarning?.en).toMatch(/plain and an encrypted copy.*only the encrypted.*safe mode/s);
  });

  it('replyMode overrides the automatic choice, and the reason says so', async () => {
    const forced = await setup('safe', 'service', true, { replyMode: 'passive' });
    const res = await app.api<MpStatusView>('GET', mpPath(forced.id, 'status'), undefined, app.adminToken);
    expect(res.body.deliveryMode).toBe('passive');
    expect(res.body.deliveryReason.en).toMatch(/set to passive replies only/);
  });
});

describe('menu', () => {
  it('starts empty: no draft, nothing live (menu/get 46003), publishable', async () => {
    const res = await app.api<MpMenuView>('GET', mpPath(main.id, 'menu'), undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ draft: null, published: null, publishedAt: null, canPublish: true, platformError: null });
  });

  it('publishing without a draft is 400 NO_DRAFT', async () => {
    const res = await app.api<ErrorBody>('POST', mpPath(main.id, 'menu/publish'), undefined, app.adminToken);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('NO_DRAFT');
    expect(res.body.messageZh).toContain('草稿');
  });

  it('a draft breaking the rules is 400 VALIDATION_FAILED with zh/en problems at their paths', async () => {
    const bad = {
      button: [
        { name: '一二三四五六', type: 'click', key: 'k' },
        { name: '菜单', sub_button: [{ name: '搜索', type: 'view', url: 'www.soso.com' }, { name: 'x', type: 'click' }] },
        { name: 'y', type: 'media_id' },
      ],
    };
    const res = await app.api<ErrorBody>('PUT', mpPath(main.id, 'menu'), bad, app.adminToken);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(res.body)).toEqual(['button[0].name', 'button[1].sub_button[0].url', 'button[1].sub_button[1].key', 'button[2].type']);
    for (const d of res.body.details ?? []) {
      expect(d.message.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(d.message.en).toMatch(/[a-z]{3}/);
    }
    expect(res.body.messageZh).toContain('button[1].sub_button[0].url');
    const four = await app.api<ErrorBody>('PUT', mpPath(main.id, 'menu'), { button: [...MENU.button, MENU.button[0]] }, app.adminToken);
    expect(four.status).toBe(400);
    expect(fieldsOf(four.body)).toEqual(['button']);
    const notAList = await app.api<ErrorBody>('PUT', mpPath(main.id, 'menu'), { button: 'x' }, app.adminToken);
    expect(notAList.status).toBe(400);
    expect(notAList.body.code).toBe('VALIDATION_FAILED');
    // Nothing was saved.
    expect((await app.api<MpMenuView>('GET', mpPath(main.id, 'menu'), undefined, app.adminToken)).body.draft).toBeNull();
  });

  it('saves a draft (trimmed, empty sub menus dropped) without publishing it', async () => {
    const sent = { button: [{ ...MENU.button[0]!, name: ' 今日歌曲 ', sub_button: [] }, MENU.button[1]!, MENU.button[2]!] };
    const res = await app.api<MpMenuView>('PUT', mpPath(main.id, 'menu'), sent, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ draft: MENU, published: null, publishedAt: null, canPublish: true });
    expect(sim.mp.menu(main.account.appId)).toBeUndefined();
  });

  it('publishes the draft: the simulator holds our menu, GET shows it as published, the audit log has it', async () => {
    const res = await app.api<MpMenuView>('POST', mpPath(main.id, 'menu/publish'), undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(sim.mp.menu(main.account.appId)).toEqual(MENU.button);
    expect(res.body.published).toEqual(MENU);
    expect(res.body.publishedAt).toEqual(expect.any(String));
    const got = await app.api<MpMenuView>('GET', mpPath(main.id, 'menu'), undefined, app.adminToken);
    expect(got.body).toMatchObject({ draft: MENU, published: MENU, publishedAt: res.body.publishedAt, platformError: null });
    const audit: { action: string; target_id: string }[] = await ds.query(`SELECT action, target_id FROM audit_log WHERE action = 'mp.menu.publish'`);
    expect(audit).toEqual([{ action: 'mp.menu.publish', target_id: main.id }]);
  });

  it('when menu/get fails, the stored published copy is shown with the platform error (zh/en)', async () => {
    sim.mp.setIpWhitelistBlock(main.account.appId, '203.0.113.9');
    try {
      const res = await app.api<MpMenuView>('GET', mpPath(main.id, 'menu'), undefined, app.adminToken);
      expect(res.status).toBe(200);
      expect(res.body.published).toEqual(MENU);
      expect(res.body.platformError?.code).toBe('40164');
      expect(res.body.platformError?.message.zh).toContain('203.0.113.9');
      expect(res.body.platformError?.message.en).toMatch(/IP whitelist/);
    } finally {
      sim.mp.clearIpWhitelistBlock(main.account.appId);
    }
  });

  it('an unverified subscription account may keep a draft; publishing gives a clear 48001 error', async () => {
    const view = await app.api<MpMenuView>('GET', mpPath(unverifiedSub.id, 'menu'), undefined, app.adminToken);
    expect(view.body).toMatchObject({ draft: null, published: null, canPublish: false });
    expect((await app.api('PUT', mpPath(unverifiedSub.id, 'menu'), MENU, app.adminToken)).status).toBe(200);
    const res = await app.api<ErrorBody & { details: { platformCode: string } }>('POST', mpPath(unverifiedSub.id, 'menu/publish'), undefined, app.adminToken);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PLATFORM_ERROR');
    expect(res.body.details.platformCode).toBe('48001');
    expect(res.body.message).toMatch(/menus need a service account or a verified account/);
    expect(res.body.messageZh).toMatch(/服务号或已认证/);
    expect(sim.mp.menu(unverifiedSub.account.appId)).toBeUndefined();
  });
});

describe('QR codes', () => {
  let permanent: MpQrCodeView;
  let temporary: MpQrCodeView;

  it('makes a permanent code whose ticket the simulator knows (a scan reaches the account)', async () => {
    const res = await app.api<MpQrCodeView>('POST', mpPath(main.id, 'qrcodes'), { name: '门店 12', scene: 'store-12', permanent: true, welcomeText: '欢迎光临 12 号店' }, app.adminToken);
    expect(res.status).toBe(201);
    permanent = res.body;
    expect(permanent).toMatchObject({ name: '门店 12', scene: 'store-12', permanent: true, expiresAt: null, welcomeText: '欢迎光临 12 号店' });
    expect(permanent.url).toMatch(/^http:\/\/weixin\.qq\.com\/q\//);
    const [row]: { ticket: string }[] = await ds.query('SELECT ticket FROM mp_qr_codes WHERE id = $1', [permanent.id]);
    expect(permanent.imageUrl).toBe(`https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(row!.ticket)}`);
    const [call] = sim.mp.calls('qrcode/create');
    expect(call?.body).toEqual({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'store-12' } } });
    const scan = await fetch(`${sim.url}/_sim/mp/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: main.account.appId, openId: 'oScanner1', ticket: row!.ticket }),
    });
    expect(scan.status).toBe(200);
    const { callback } = (await scan.json()) as { callback: { event: string; innerXml: string } };
    expect(callback.event).toBe('subscribe');
    expect(callback.innerXml).toContain('qrscene_store-12');
  });

  it('makes a temporary code (default 7 days) that the simulator knows too', async () => {
    const before = Date.now();
    const res = await app.api<MpQrCodeView>('POST', mpPath(main.id, 'qrcodes'), { name: '活动', scene: 'promo_2026', permanent: false }, app.adminToken);
    expect(res.status).toBe(201);
    temporary = res.body;
    expect(temporary).toMatchObject({ scene: 'promo_2026', permanent: false, welcomeText: null });
    const expires = new Date(temporary.expiresAt!).getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 604_800_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 604_800_000 + 1000);
    const calls = sim.mp.calls('qrcode/create');
    expect(calls[calls.length - 1]?.body).toEqual({ expire_seconds: 604800, action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'promo_2026' } } });
    const [row]: { ticket: string }[] = await ds.query('SELECT ticket FROM mp_qr_codes WHERE id = $1', [temporary.id]);
    const scan = await fetch(`${sim.url}/_sim/mp/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: main.account.appId, openId: 'oScanner2', ticket: row!.ticket, subscribed: true }),
    });
    expect(scan.status).toBe(200);
    const { callback } = (await scan.json()) as { callback: { event: string; innerXml: string } };
    expect(callback.event).toBe('SCAN');
    expect(callback.innerXml).toContain('<EventKey><![CDATA[promo_2026]]></EventKey>');
    // A ticket WeChat never issued is refused by the same route.
    const unknown = await fetch(`${sim.url}/_sim/mp/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId: main.account.appId, openId: 'oScanner2', ticket: 'gQnot-a-ticket' }),
    });
    expect(unknown.status).toBe(404);
  });

  it('lists them newest first', async () => {
    const res = await app.api<MpQrCodeView[]>('GET', mpPath(main.id, 'qrcodes'), undefined, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body.map((q) => q.id)).toEqual([temporary.id, permanent.id]);
  });

  it('a scene the integration already has is 409 SCENE_TAKEN, without asking WeChat', async () => {
    const calls = sim.mp.callCount('qrcode/create');
    const res = await app.api<ErrorBody>('POST', mpPath(main.id, 'qrcodes'), { name: 'again', scene: 'store-12', permanent: false }, app.adminToken);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SCENE_TAKEN');
    expect(res.body.messageZh).toContain('store-12');
    expect(sim.mp.callCount('qrcode/create')).toBe(calls);
  });

  it('refuses bad input with zh/en field errors', async () => {
    const calls = sim.mp.callCount('qrcode/create');
    const res = await app.api<ErrorBody>(
      'POST',
      mpPath(main.id, 'qrcodes'),
      { name: ' ', scene: 'has space', permanent: false, expireSeconds: 59, welcomeText: 'x'.repeat(601) },
      app.adminToken,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(res.body).sort()).toEqual(['expireSeconds', 'name', 'scene', 'welcomeText']);
    const tooLong = await app.api<ErrorBody>('POST', mpPath(main.id, 'qrcodes'), { name: 'n'.repeat(65), scene: 's'.repeat(65), permanent: false, expireSeconds: 2_592_001 }, app.adminToken);
    expect(fieldsOf(tooLong.body).sort()).toEqual(['expireSeconds', 'name', 'scene']);
    const shapes = await app.api<ErrorBody>('POST', mpPath(main.id, 'qrcodes'), { name: 'n', scene: 's', permanent: 'yes' }, app.adminToken);
    expect(shapes.status).toBe(400);
    expect(fieldsOf(shapes.body)).toEqual(['permanent']);
    expect(sim.mp.callCount('qrcode/create')).toBe(calls);
  });

  it('a verified subscription account gets a clear 48001 (QR codes need a verified service account)', async () => {
    const res = await app.api<ErrorBody & { details: { platformCode: string } }>('POST', mpPath(compatibleSub.id, 'qrcodes'), { name: 'n', scene: 's', permanent: true }, app.adminToken);
    expect(res.status).toBe(409);
    expect(res.body.details.platformCode).toBe('48001');
    expect(res.body.message).toMatch(/verified service account/);
    expect(res.body.messageZh).toMatch(/已认证的服务号/);
    expect((await app.api<MpQrCodeView[]>('GET', mpPath(compatibleSub.id, 'qrcodes'), undefined, app.adminToken)).body).toEqual([]);
  });

  it('PATCH renames and changes the welcome text; bad values are 400', async () => {
    const res = await app.api<MpQrCodeView>('PATCH', mpPath(main.id, `qrcodes/${permanent.id}`), { name: '门店 12（新）', welcomeText: '' }, app.adminToken);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: permanent.id, name: '门店 12（新）', welcomeText: null, scene: 'store-12', url: permanent.url });
    const kept = await app.api<MpQrCodeView>('PATCH', mpPath(main.id, `qrcodes/${permanent.id}`), { welcomeText: '你好' }, app.adminToken);
    expect(kept.body).toMatchObject({ name: '门店 12（新）', welcomeText: '你好' });
    const bad = await app.api<ErrorBody>('PATCH', mpPath(main.id, `qrcodes/${permanent.id}`), { name: '' }, app.adminToken);
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['name']);
    const unknownField = await app.api<ErrorBody>('PATCH', mpPath(main.id, `qrcodes/${permanent.id}`), { scene: 'other' }, app.adminToken);
    expect(unknownField.status).toBe(400);
    const missing = await app.api<ErrorBody>('PATCH', mpPath(main.id, `qrcodes/${temporary.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`), { name: 'x' }, app.adminToken);
    expect(missing.status).toBe(404);
  });

  it('DELETE forgets a code (204); the scene can be used again', async () => {
    const res = await app.api('DELETE', mpPath(main.id, `qrcodes/${temporary.id}`), undefined, app.adminToken);
    expect(res.status).toBe(204);
    expect((await app.api<MpQrCodeView[]>('GET', mpPath(main.id, 'qrcodes'), undefined, app.adminToken)).body.map((q) => q.id)).toEqual([permanent.id]);
    expect((await app.api('DELETE', mpPath(main.id, `qrcodes/${temporary.id}`), undefined, app.adminToken)).status).toBe(404);
    const again = await app.api<MpQrCodeView>('POST', mpPath(main.id, 'qrcodes'), { name: '活动 2', scene: 'promo_2026', permanent: false, expireSeconds: 3600 }, app.adminToken);
    expect(again.status).toBe(201);
    expect(new Date(again.body.expiresAt!).getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
  });
});

describe('access', () => {
  it('404 for an unknown integration, 400 WRONG_PLATFORM for another platform', async () => {
    for (const path of ['status', 'menu', 'qrcodes']) {
      const res = await app.api<ErrorBody>('GET', mpPath('00000000-0000-4000-8000-000000000000', path), undefined, app.adminToken);
      expect(res.status).toBe(404);
      expect(res.body.messageZh).toBeTruthy();
      expect((await app.api<ErrorBody>('GET', mpPath('not-a-uuid', path), undefined, app.adminToken)).status).toBe(404);
    }
    const wecom = await app.api<IntegrationView>('POST', '/api/integrations', { platform: 'wecom', name: 'wecom', config: wecomConfig() }, app.adminToken);
    expect(wecom.status).toBe(201);
    const res = await app.api<ErrorBody>('GET', mpPath(wecom.body.id, 'status'), undefined, app.adminToken);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('WRONG_PLATFORM');
    expect(res.body.messageZh).toContain('公众号');
  });

  it('an agent gets 403', async () => {
    const agent = await newAgent(app, `mpagent${randomBytes(3).toString('hex')}`);
    expect((await app.api('GET', mpPath(main.id, 'status'), undefined, agent.token)).status).toBe(403);
    expect((await app.api('PUT', mpPath(main.id, 'menu'), MENU, agent.token)).status).toBe(403);
    expect((await app.api('POST', mpPath(main.id, 'qrcodes'), { name: 'n', scene: 'agent', permanent: true }, agent.token)).status).toBe(403);
  });
});
