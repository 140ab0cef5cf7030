import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { IntegrationView, ReplyWindowView } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { launchChromium, loginToConsole, newUserSession, SCREENSHOT_DIR, screenshot, type UserSession, unexpectedProblems } from './support/browser';
import { ADMIN, startStack, type Stack } from './support/stack';

/**
 * 公众号 end to end (issue 6, "Done when"): the administrator's integration page (plain-mode warning,
 * menu editor with publish, a parameterized QR code with its welcome text) for a verified service
 * account, and 公众号 chats in the desk: the service account's composer counts the customer-service
 * quota, and a passive-only subscription account holds the agent's answer for the user's next message.
 * WeChat users are played by the simulator's control API.
 */

const alnum = (n: number): string => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n);
const account = () => ({ appId: `wx${randomBytes(8).toString('hex')}`, appSecret: alnum(32), token: alnum(20), encodingAesKey: alnum(43) });
const service = account();
const passive = account();
const USER = `oE2eUser${randomBytes(3).toString('hex')}`;
const FAN = `oE2eFan${randomBytes(3).toString('hex')}`;
const READER = `oE2eReader${randomBytes(3).toString('hex')}`;
const QR_WELCOME = '欢迎来到静安门店！回复「价格」查看会员价。';
const MENU = {
  button: [
    { type: 'click', name: '今日特价', key: 'TODAY_DEALS' },
    { name: '会员服务', sub_button: [{ type: 'view', name: '会员中心', url: 'https://example.com/member' }, { type: 'click', name: '联系客服', key: 'CONTACT_AGENT' }] },
    { type: 'view', name: '官网', url: 'https://example.com/' },
  ],
};

describe('公众号: the integration page and 公众号 chats in the desk', () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let admin: UserSession | undefined;
  let svc: IntegrationView | undefined;
  let pas: IntegrationView | undefined;
  let adminToken = '';

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is missing: an earlier step failed (see the first failure)`);
    return value;
  };
  const s = (): Stack => need(stack, 'the running stack');
  const page = (): Page => need(admin, 'the administrator session').page;
  const userSays = (appId: string, openId: string, message: Record<string, unknown>) =>
    s().sim<{ callback: { deliveries: { outcome: string }[]; reply?: { content?: string } } }>('POST', '/_sim/mp/user-message', { appId, openId, message });
  const conversationOf = async (integrationId: string, openId: string): Promise<string> => {
    const list = await s().api<{ id: string; contact: { externalId: string } }[]>('GET', `/api/conversations?integrationId=${integrationId}&view=all`, undefined, adminToken);
    const found = list.body.find((c) => c.contact.externalId === openId);
    if (!found) throw new Error(`no conversation for ${openId}`);
    return found.id;
  };
  const openChat = async (openId: string): Promise<void> => {
    const p = page();
    await p.goto('/conversations');
    await p.getByTestId('desk-tab-queue').click();
    const row = p.locator(`[data-testid="conversation-item"][data-contact="${openId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await p.getByTestId('desk-claim').click();
    await p.getByTestId('conversation-state').and(p.locator('[data-state="assigned"]')).waitFor();
  };

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    admin = await newUserSession(browser, stack.apiUrl);
  });

  afterAll(async () => {
    await admin?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.stop();
  });

  afterEach(() => {
    if (!admin) return;
    const problems = unexpectedProblems(admin.problems);
    admin.problems.errors.length = 0;
    admin.problems.consoleErrors.length = 0;
    expect(problems).toEqual([]);
  });

  it('sets up a verified service account in plain mode and an unverified subscription account in safe mode', async () => {
    const st = s();
    adminToken = await st.login(ADMIN.username, ADMIN.password);
    const create = async (name: string, acc: typeof service, config: Record<string, unknown>) => {
      const res = await st.api<IntegrationView>('POST', '/api/integrations', { platform: 'mp', name, config: { ...acc, apiBaseUrl: st.simUrl, ...config } }, adminToken);
      expect(res.status).toBe(201);
      const simMode = config['encryptionMode'];
      const added = await st.sim('POST', '/_sim/mp/accounts', { ...acc, mode: simMode, accountType: config['accountType'], verified: config['verified'], callbackUrl: res.body.callbackUrl });
      expect(added.status).toBe(201);
      // The handoff keyword only: no fallback, no auto-assignment (the agent claims from the queue).
      expect((await st.api('PUT', `/api/integrations/${res.body.id}/bot`, { fallbackText: null, handoffAfterFailures: 0, autoAssign: false }, adminToken)).status).toBe(200);
      return res.body;
    };
    svc = await create('E2E 服务号', service, { encryptionMode: 'plain', accountType: 'service', verified: true, welcomeText: '感谢关注 imbridge 服务号！' });
    pas = await create('E2E 订阅号', passive, { encryptionMode: 'safe', accountType: 'subscription', verified: false });
    // WeChat's server-configuration check passes against the running gateway in both modes.
    for (const acc of [service, passive]) {
      const verified = await st.sim<{ ok: boolean }>('POST', '/_sim/mp/verify-url', { appId: acc.appId });
      expect(verified.body.ok).toBe(true);
    }
    expect((await st.api('PUT', `/api/integrations/${svc.id}/mp/menu`, MENU, adminToken)).status).toBe(200);
  });

  it('the integration page warns about plain mode, publishes the menu and makes a QR code with its own welcome', async () => {
    const p = page();
    await p.goto('/login');
    await loginToConsole(p, ADMIN.username, ADMIN.password);
    await p.waitForURL((url) => !url.pathname.startsWith('/login'));
    await p.goto(`/integrations/${need(svc, 'the service account').id}`);
    const status = p.getByTestId('mp-status-card');
    await status.waitFor();
    await expectEventually(async () => expect(await p.getByTestId('mp-encryption').innerText()).toContain('明文模式不安全'));
    expect(await p.getByTestId('mp-delivery-mode').innerText()).toContain('客服消息接口');

    const menu = p.getByTestId('mp-menu-card');
    await menu.scrollIntoViewIfNeeded();
    await menu.getByTestId('mp-menu-state').and(p.locator('[data-state="draft"]')).waitFor();
    expect((await p.getByTestId('mp-menu-preview-button').allInnerTexts()).map((x) => x.replace(/^≡\s*/, ''))).toEqual(['今日特价', '会员服务', '官网']);
    await menu.getByTestId('mp-menu-publish').click();
    await p.getByTestId('mp-menu-publish-confirm').click();
    await menu.getByTestId('mp-menu-state').and(p.locator('[data-state="published"]')).waitFor({ timeout: 15_000 });
    // WeChat (the simulator) has exactly the menu we edited.
    const live = await s().sim<{ menu: { name: string; sub_button?: { name: string; url?: string }[] }[] | null }>('GET', `/_sim/mp/menu?appId=${service.appId}`);
    expect(live.body.menu?.map((b) => b.name)).toEqual(['今日特价', '会员服务', '官网']);
    expect(live.body.menu?.[1]?.sub_button?.map((b) => b.url ?? b.name)).toEqual(['https://example.com/member', '联系客服']);
    const got = await s().api<{ published: typeof MENU | null }>('GET', `/api/integrations/${need(svc, 'the service account').id}/mp/menu`, undefined, adminToken);
    expect(got.body.published?.button.map((b) => b.name)).toEqual(['今日特价', '会员服务', '官网']);

    const qr = p.getByTestId('mp-qrcodes-card');
    await qr.scrollIntoViewIfNeeded();
    const form = qr.getByTestId('mp-qr-form');
    await form.getByLabel('名称', { exact: true }).fill('静安门店海报');
    await form.getByLabel('场景值', { exact: true }).fill('store_jingan');
    await form.getByTestId('mp-qr-permanent').click();
    await form.getByLabel('欢迎语', { exact: true }).fill(QR_WELCOME);
    await form.getByTestId('mp-qr-create').click();
    const item = qr.locator('[data-testid="mp-qr"][data-scene="store_jingan"]');
    await item.waitFor({ timeout: 15_000 });
    expect(await item.getByTestId('mp-qr-welcome').innerText()).toContain(QR_WELCOME);
    const drawn = await item
      .getByTestId('mp-qr-image')
      .locator('canvas')
      .evaluate((c) => {
        const canvas = c as unknown as { width: number; toDataURL(type: string): string };
        return canvas.width > 0 && canvas.toDataURL('image/png').length > 1000;
      });
    expect(drawn).toBe(true);
    await p.evaluate('window.scrollTo(0, 0)');
    await screenshot(p, 'mp-01-integration-page');
    for (const [card, name] of [
      [status, 'mp-01b-status-card'],
      [menu, 'mp-01c-menu-editor'],
      [qr, 'mp-01d-qr-codes'],
    ] as const) {
      await p.evaluate('window.scrollTo(0, 0)');
      const box = await card.boundingBox();
      if (box) await p.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, clip: box, animations: 'disabled' });
    }
  });

  it('a user scans the QR code and gets its welcome; asks for 人工; the agent answers within the counted window', async () => {
    const st = s();
    const codes = await st.api<{ scene: string; imageUrl: string }[]>('GET', `/api/integrations/${need(svc, 'the service account').id}/mp/qrcodes`, undefined, adminToken);
    expect(codes.body.map((c) => c.scene)).toEqual(['store_jingan']);
    // The ticket qrcode/create answered is in the official image link; the simulator knows the code by it.
    const t = new URL(codes.body[0]!.imageUrl).searchParams.get('ticket') ?? '';
    const scan = await st.sim<{ callback: { event: string } }>('POST', '/_sim/mp/scan', { appId: service.appId, openId: USER, ticket: t });
    expect(scan.status).toBe(200);
    await expectEventually(async () => {
      const seen = await st.sim<{ transcript: { from: string; via?: string; text: string }[] }>('GET', `/_sim/mp/transcript?appId=${service.appId}&openId=${USER}`);
      expect(seen.body.transcript.filter((l) => l.from === 'account').map((l) => `${l.via}:${l.text}`)).toEqual([`custom:${QR_WELCOME}`]);
    }, { timeoutMs: 15_000 });

    await userSays(service.appId, USER, { type: 'text', content: '你好，想问会员价' });
    await userSays(service.appId, USER, { type: 'text', content: '人工' });
    await openChat(USER);
    const p = page();
    const hint = p.getByTestId('reply-window');
    await hint.waitFor();
    const conv = await conversationOf(need(svc, 'the service account').id, USER);
    // The bot's handoff notice used one of the 5 messages the user's message allows.
    await expectEventually(async () => {
      const w = await st.api<ReplyWindowView>('GET', `/api/conversations/${conv}/reply-window`, undefined, adminToken);
      expect(w.body).toMatchObject({ open: true, remainingMessages: 4, maxMessages: 5 });
    });
    await p.getByTestId('desk-composer').fill('您好，我是客服小林。会员价是 8 折，我把价目表发给您。');
    await p.getByTestId('desk-send').click();
    await expectEventually(async () => expect(await hint.innerText()).toContain('最多还能发送 3 条'), { timeoutMs: 15_000 });
    await expectEventually(async () => {
      const seen = await st.sim<{ transcript: { from: string; via?: string; text: string }[] }>('GET', `/_sim/mp/transcript?appId=${service.appId}&openId=${USER}`);
      expect(seen.body.transcript.some((l) => l.via === 'custom' && l.text.includes('我是客服小林'))).toBe(true);
    }, { timeoutMs: 15_000 });
    await p.locator('[data-testid="message-bubble"][data-direction="out"]').filter({ hasText: '我是客服小林' }).waitFor();
    await screenshot(p, 'mp-02-desk-service-window');
  });

  it('a passive-only account: the agent’s answer is held and goes out as the reply to the user’s next message', async () => {
    const st = s();
    const first = await userSays(passive.appId, READER, { type: 'text', content: '转人工' });
    expect(first.body.callback.deliveries.map((d) => d.outcome)).toEqual(['reply']);
    await openChat(READER);
    const p = page();
    await p.getByTestId('reply-window').and(p.locator('[data-state="next-message"]')).waitFor({ timeout: 15_000 });
    await p.getByTestId('desk-composer').fill('您好，订阅号只能在您发消息时回复，这条会随您的下一条消息送达。');
    await p.getByTestId('desk-send').click();
    const held = p.locator('[data-testid="message-bubble"][data-direction="out"]').filter({ hasText: '随您的下一条消息送达' });
    await held.waitFor();
    await expectEventually(async () => expect(await held.innerText()).toContain('待用户下次发消息时送达'), { timeoutMs: 15_000 });
    const conv = await conversationOf(need(pas, 'the subscription account').id, READER);
    const msgs = await st.api<{ text: string | null; status: string }[]>('GET', `/api/conversations/${conv}/messages`, undefined, adminToken);
    expect(msgs.body.find((m) => m.text?.includes('随您的下一条消息送达'))?.status).toBe('held');
    await screenshot(p, 'mp-03-desk-passive-held');
    const next = await userSays(passive.appId, READER, { type: 'text', content: '好的' });
    expect(next.body.callback.reply?.content).toBe('您好，订阅号只能在您发消息时回复，这条会随您的下一条消息送达。');
    await expectEventually(async () => expect(await held.innerText()).not.toContain('待用户下次发消息时送达'), { timeoutMs: 15_000 });
    // A new follower of the service account (no QR code) gets the account's welcome.
    await userSays(service.appId, FAN, { type: 'event', event: 'subscribe' });
    await expectEventually(async () => {
      const seen = await st.sim<{ transcript: { from: string; text: string }[] }>('GET', `/_sim/mp/transcript?appId=${service.appId}&openId=${FAN}`);
      expect(seen.body.transcript.filter((l) => l.from === 'account').map((l) => l.text)).toEqual(['感谢关注 imbridge 服务号！']);
    }, { timeoutMs: 15_000 });
  });
});
