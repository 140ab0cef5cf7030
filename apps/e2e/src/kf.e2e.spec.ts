import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { IntegrationView, KfSessionView, ReplyWindowView, UserView } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { launchChromium, loginToConsole, SCREENSHOT_DIR, newUserSession, screenshot, type UserSession, unexpectedProblems } from './support/browser';
import { ADMIN, startStack, type Stack } from './support/stack';

/**
 * 微信客服 end to end (issue 5, "Done when"), with two browser contexts: a WeChat customer on the
 * simulator's chat page (微信客服 mode) and an agent in the console.
 *
 * The administrator sees the integration's kf accounts and generates a contact link with its QR
 * code in the console; the customer opens that link and gets the welcome message; asks for 人工; the
 * agent claims the chat and answers from the desk; WeCom's session state (the simulator's) matches
 * ours at every step; after the 5th agent message without a customer reply the composer says the
 * quota is used up and a 6th is refused; closing ends the session with the end message.
 */

const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'A').slice(0, n);
const corp = { corpId: `ww${randomBytes(8).toString('hex')}`, agentId: 1000005, secret: alnum(43), token: alnum(24), encodingAesKey: alnum(43) };
const CUSTOMER = `wmE2eCustomer${randomBytes(3).toString('hex')}`;
const AGENT = { username: 'kf-agent', password: 'kf-agent-password-1', displayName: '坐席小林' };
const WELCOME = '您好，欢迎咨询 imbridge 客服！回复「人工」可转人工客服。';
const END_MESSAGE = '本次咨询已结束，感谢您的耐心。';
const SCENE = 'poster_2026';

const kfEntries = (page: Page): Locator => page.locator('[data-testid="chat-entry"][data-from="kf"]');

/** The kf account avatars come (as from WeCom) from WeCom's CDN host, which this sandbox cannot reach. */
const AVATAR_HOST_UNREACHABLE = /^Failed to load resource: net::ERR_NAME_NOT_RESOLVED \(https:\/\/wework\.qpic\.cn\//;


describe('微信客服: a customer on the simulator chat page and an agent in the console', () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let customer: UserSession | undefined;
  let console_: UserSession | undefined;
  let admin: UserSession | undefined;
  let integration: IntegrationView | undefined;
  let openKfid = '';
  let adminToken = '';
  let conversationId = '';

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is missing: an earlier step failed (see the first failure)`);
    return value;
  };
  const s = (): Stack => need(stack, 'the running stack');
  const chat = (): Page => need(customer, 'the chat page session').page;
  const desk = (): Page => need(console_, 'the console session').page;
  const contactKey = (): string => `${openKfid}:${CUSTOMER}`;

  /** WeCom's state (the simulator) and ours (the API's view of the same chat). */
  const states = async (): Promise<{ sim: number; ours: KfSessionView | null; conversation: string | null }> => {
    const sim = await s().sim<{ session: { serviceState: number } }>('GET', `/_sim/kf/session?openKfid=${openKfid}&externalUserId=${CUSTOMER}`);
    if (!conversationId) return { sim: sim.body.session.serviceState, ours: null, conversation: null };
    const ours = await s().api<KfSessionView>('GET', `/api/conversations/${conversationId}/kf-session`, undefined, adminToken);
    const conv = await s().api<{ state: string }>('GET', `/api/conversations/${conversationId}`, undefined, adminToken);
    return { sim: sim.body.session.serviceState, ours: ours.body, conversation: conv.body.state };
  };
  const expectStates = async (conversation: string, platform: number): Promise<void> => {
    await expectEventually(
      async () => {
        const now = await states();
        expect({ conversation: now.conversation, sim: now.sim, ours: now.ours?.serviceState }).toEqual({ conversation, sim: platform, ours: platform });
      },
      { timeoutMs: 15_000 },
    );
    expect((await chat().getByTestId('chat-kf-state').getAttribute('data-state')) ?? '').toMatch(/^[0-4]?$/);
  };

  /** Types on the chat page and sends; resolves once the message shows in the customer's transcript. */
  const customerSays = async (text: string): Promise<void> => {
    const page = chat();
    const mine = page.locator('[data-testid="chat-entry"][data-from="customer"]').filter({ hasText: text });
    const before = await mine.count();
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-send').click();
    await mine.nth(before).waitFor({ timeout: 15_000 });
  };

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    customer = await newUserSession(browser, stack.simUrl);
    console_ = await newUserSession(browser, stack.apiUrl);
    admin = await newUserSession(browser, stack.apiUrl);
  });

  afterAll(async () => {
    await customer?.context.close().catch(() => undefined);
    await console_?.context.close().catch(() => undefined);
    await admin?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.stop();
  });

  afterEach(() => {
    for (const session of [customer, console_, admin]) {
      if (!session) continue;
      const problems = unexpectedProblems(session.problems, [AVATAR_HOST_UNREACHABLE]);
      session.problems.errors.length = 0;
      session.problems.consoleErrors.length = 0;
      expect(problems).toEqual([]);
    }
  });

  it('sets up a 微信客服 integration against the simulator, with a welcome and an end message', async () => {
    const st = s();
    adminToken = await st.login(ADMIN.username, ADMIN.password);
    expect((await st.sim('POST', '/_sim/wecom/apps', corp)).status).toBe(201);
    const acc = await st.sim<{ account: { openKfid: string } }>('POST', '/_sim/kf/accounts', { corpId: corp.corpId, name: '售前咨询' });
    expect(acc.status).toBe(201);
    openKfid = acc.body.account.openKfid;
    expect((await st.sim('POST', '/_sim/kf/accounts', { corpId: corp.corpId, name: '售后服务' })).status).toBe(201);
    expect((await st.sim('POST', '/_sim/kf/servicers', { openKfid, userid: 'zhangsan', status: 0 })).status).toBe(200);
    // The customer's WeChat nickname, as kf/customer/batchget will answer it.
    expect((await st.sim('POST', '/_sim/kf/customers', { externalUserId: CUSTOMER, nickname: '王女士' })).status).toBe(200);

    const created = await st.api<IntegrationView>(
      'POST',
      '/api/integrations',
      { platform: 'wecom-kf', name: 'E2E 微信客服', config: { corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: st.simUrl } },
      adminToken,
    );
    expect(created.status).toBe(201);
    integration = created.body;
    expect((await st.sim('POST', '/_sim/kf/callback', { corpId: corp.corpId, url: integration.callbackUrl })).status).toBe(200);
    expect((await st.api('PUT', `/api/integrations/${integration.id}/bot`, { autoAssign: false }, adminToken)).status).toBe(200);
    const saved = await st.api('PUT', `/api/integrations/${integration.id}/kf/accounts/${openKfid}`, { welcome: { enabled: true, type: 'text', text: WELCOME }, endMessage: END_MESSAGE }, adminToken);
    expect(saved.status).toBe(200);
    expect((await st.api<UserView>('POST', '/api/users', { ...AGENT, role: 'agent' }, adminToken)).status).toBe(201);
  });

  it('the administrator sees the kf accounts and makes a contact link with its QR code', async () => {
    const page = need(admin, 'the administrator session').page;
    await page.goto('/login');
    await loginToConsole(page, ADMIN.username, ADMIN.password);
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    await page.goto(`/integrations/${need(integration, 'the integration').id}`);
    const card = page.getByTestId('kf-accounts-card');
    await card.waitFor();
    const panel = page.getByTestId(`kf-account-${openKfid}`);
    await panel.waitFor();
    await panel.scrollIntoViewIfNeeded();
    await panel.getByLabel('场景值', { exact: true }).fill(SCENE);
    await panel.getByLabel('场景参数（可选）', { exact: true }).fill('campaign=双11');
    await panel.getByTestId('kf-create-link').click();
    const link = panel.locator(`[data-testid="kf-link"][data-scene="${SCENE}"]`);
    await link.waitFor();
    const url = (await link.getByTestId('kf-link-url').innerText()).trim();
    expect(url).toContain(openKfid);
    expect(url).toContain('scene_param=');
    // A drawn QR code (a canvas with pixels), not an empty box.
    const drawn = await link
      .getByTestId('kf-link-qr')
      .locator('canvas')
      .evaluate((c) => {
        const canvas = c as unknown as { width: number; toDataURL(type: string): string };
        return canvas.width > 0 && canvas.toDataURL('image/png').length > 1000;
      });
    expect(drawn).toBe(true);
    // The welcome saved through the API shows in the account's form.
    const values = await panel.locator('textarea').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(values).toContain(WELCOME);
    await screenshot(page, 'kf-01-integration-accounts');
    // The card alone, at full resolution (cut from the whole page, so the sticky header stays on top).
    await page.evaluate('window.scrollTo(0, 0)');
    const box = await card.boundingBox();
    if (box) await page.screenshot({ path: join(SCREENSHOT_DIR, 'kf-01b-accounts-card.png'), fullPage: true, clip: box, animations: 'disabled' });
  });

  it('the customer opens the contact link and gets the welcome message', async () => {
    const page = chat();
    await page.goto(`/chat?mode=kf&openKfid=${openKfid}&externalUserId=${CUSTOMER}`);
    await page.getByTestId('chat-kf-account').waitFor();
    await expectEventually(async () => expect(await page.getByTestId('chat-kf-account').inputValue()).toBe(openKfid));
    await expectEventually(async () => expect(await page.getByTestId('chat-kf-link').locator('option').count()).toBeGreaterThan(0));
    await page.getByTestId('chat-kf-open-link').click();
    await kfEntries(page).filter({ hasText: WELCOME }).first().waitFor({ timeout: 30_000 });
    const conv = await s().api<{ id: string; contact: { externalId: string } }[]>('GET', `/api/conversations?integrationId=${need(integration, 'the integration').id}&view=all`, undefined, adminToken);
    const mine = conv.body.find((c) => c.contact.externalId === contactKey());
    expect(mine).toBeDefined();
    conversationId = mine!.id;
    await screenshot(page, 'kf-02-chat-welcome');
  });

  it('asks for 人工; the agent claims and answers from the desk; WeCom keeps the session with the API (state 1)', async () => {
    const page = chat();
    await customerSays('你好，我想咨询一下企业版价格');
    await customerSays('人工');
    await expectStates('queued', 1);

    const agentPage = desk();
    await agentPage.goto('/login');
    await loginToConsole(agentPage, AGENT.username, AGENT.password);
    await agentPage.waitForURL(/\/conversations$/);
    await agentPage.getByTestId('desk-tab-queue').click();
    const row = agentPage.locator(`[data-testid="conversation-item"][data-contact="${contactKey()}"]`);
    await row.waitFor({ timeout: 15_000 });
    // Named by the nickname WeCom gave, not by the account-qualified id.
    expect(await row.innerText()).toContain('王女士');
    await row.click();
    await agentPage.getByTestId('desk-claim').click();
    await agentPage.getByTestId('conversation-state').and(agentPage.locator('[data-state="assigned"]')).waitFor();
    await expectStates('assigned', 1);
    // The bot's handoff notice used one of the 5 messages allowed after '人工'; the customer's next
    // message gives the agent a fresh quota of 5.
    await customerSays('在吗？我等着呢');
    await agentPage.locator('[data-testid="message-bubble"][data-direction="in"]').filter({ hasText: '我等着呢' }).waitFor();

    const composer = agentPage.getByTestId('desk-composer');
    await composer.fill('您好，我是客服小林，企业版按坐席数计费，我把报价单发给您。');
    await agentPage.getByTestId('desk-send').click();
    await kfEntries(page).filter({ hasText: '我是客服小林' }).waitFor({ timeout: 30_000 });
    await expectStates('assigned', 1);
  });

  it('after the 5th agent message without a customer reply the composer says the quota is used up, and a 6th is not sent', async () => {
    const agentPage = desk();
    for (let i = 2; i <= 5; i++) {
      await agentPage.getByTestId('desk-composer').fill(`补充说明 ${i}`);
      await agentPage.getByTestId('desk-send').click();
      await kfEntries(chat()).filter({ hasText: `补充说明 ${i}` }).waitFor({ timeout: 30_000 });
    }
    const hint = agentPage.getByTestId('reply-window');
    await hint.and(agentPage.locator('[data-state="quota"]')).waitFor({ timeout: 15_000 });
    expect(await agentPage.getByTestId('desk-send').isDisabled()).toBe(true);
    const window = await s().api<ReplyWindowView>('GET', `/api/conversations/${conversationId}/reply-window`, undefined, adminToken);
    expect(window.body).toMatchObject({ open: false, remainingMessages: 0, closedBy: 'quota' });
    // The API refuses a 6th too (the button is not the only guard).
    const sixth = await s().api<{ code: string }>('POST', `/api/conversations/${conversationId}/messages`, { type: 'text', text: '第六条' }, await s().login(AGENT.username, AGENT.password));
    expect(sixth.status).toBe(409);
    expect(sixth.body.code).toBe('WINDOW_CLOSED');
    const sim = await s().sim<{ session: { quotaLeft: number; sentSinceCustomer: number } }>('GET', `/_sim/kf/session?openKfid=${openKfid}&externalUserId=${CUSTOMER}`);
    expect(sim.body.session).toMatchObject({ quotaLeft: 0, sentSinceCustomer: 5 });
    await screenshot(agentPage, 'kf-03-desk-quota-used');
    await screenshot(chat(), 'kf-04-chat-agent-messages');
  });

  it('the customer writes again (quota back); the agent closes: WeCom ends the session and the end message arrives', async () => {
    const page = chat();
    await customerSays('好的，收到');
    const agentPage = desk();
    await agentPage.getByTestId('reply-window').and(agentPage.locator('[data-state="open"]')).waitFor({ timeout: 15_000 });
    await agentPage.getByTestId('desk-close').click();
    const confirm = agentPage.getByTestId('desk-close-confirm');
    if (await confirm.waitFor({ timeout: 2_000 }).then(() => true, () => false)) await confirm.click();
    await agentPage.getByTestId('conversation-state').and(agentPage.locator('[data-state="closed"]')).waitFor();
    await expectStates('closed', 4);
    await kfEntries(page).filter({ hasText: END_MESSAGE }).waitFor({ timeout: 30_000 });
    // The agent who closed the chat sees the end message too.
    await agentPage.locator('[data-testid="message-bubble"][data-direction="out"]').filter({ hasText: END_MESSAGE }).waitFor({ timeout: 15_000 });
    await screenshot(agentPage, 'kf-05-desk-closed');
    await screenshot(page, 'kf-06-chat-end-message');
  });

  it("the administrator sees each account's sync_msg pull on the integration page: idle, last success, no error", async () => {
    const page = need(admin, 'the administrator session').page;
    await page.goto(`/integrations/${need(integration, 'the integration').id}`);
    const card = page.getByTestId('inbound-sources');
    await card.waitFor();
    const row = card.locator('tr').filter({ hasText: openKfid });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.innerText()).toContain('微信客服消息拉取');
    expect((await row.getByTestId('source-state').innerText()).trim()).toMatch(/^(空闲|拉取中)$/);
    expect(await row.innerText()).not.toContain('从未');
    expect(await row.getByTestId('source-error').count()).toBe(0);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'kf-07-integration-pull-status');
    await card.screenshot({ path: join(SCREENSHOT_DIR, 'kf-07b-pull-status-card.png'), animations: 'disabled' });
  });
});
