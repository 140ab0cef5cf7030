import { randomBytes } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import type { ConversationView, IntegrationView, MessageView, UserView } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { clippedTexts, launchChromium, loginToConsole, newUserSession, screenshot, type UserSession, unexpectedProblems } from './support/browser';
import { ADMIN, startStack, type Stack } from './support/stack';

/**
 * The whole product as a user meets it: the built API (serving the built console) and the platform
 * simulator as child processes, the console driven in headless Chromium. The tests run in order and
 * build on each other: the integration created in the console is the one WeCom (the simulator)
 * verifies and pushes a message to.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The WeCom app as the enterprise's WeCom admin console would show it. */
const wecomApp = {
  name: 'E2E 客服号 - 华东',
  corpId: `ww${randomBytes(8).toString('hex')}`,
  agentId: 1000002,
  /** 43 characters of [A-Za-z0-9_-], like a real app Secret. */
  secret: randomBytes(32).toString('base64url'),
};

const AGENT = { username: 'agent-li', password: 'agent-password-1', displayName: '坐席小李' };

/** The keyword rule the admin creates in the console (issue 3). */
const PRICE_RULE = { name: '价格咨询', keyword: '价格', reply: '您好，价格请见报价单。' };
/** The bot's default fallback answer (per-integration setting; on by default). */
const FALLBACK_TEXT = '抱歉，我暂时无法回答这个问题。您可以换个说法，或回复“人工”联系客服。';

/** A message WeCom's message/send received, as the simulator's control API lists it. */
interface SimSentMessage {
  corpId: string;
  agentId: number;
  body: { touser?: string; msgtype?: string; agentid?: number; text?: { content?: string } };
  msgid: string;
  at: string;
}

interface CreatedIntegration {
  id: string;
  callbackUrl: string;
  token: string;
  encodingAesKey: string;
}

/** Button names: antd puts a space between two CJK characters ("登 录"); an icon adds its own label ("save 创建"). */
const cjkButton = (text: string): RegExp => new RegExp(`(^|\\s)${[...text].join('\\s?')}$`);


/** Screenshot for people to look at, and a layout check: no label, button, tag or title is cut off. */
async function snap(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await clippedTexts(page)).toEqual([]);
}

/** Picks an option of an antd Select (the dropdown is rendered at the end of the body). */
async function chooseOption(page: Page, select: Locator, label: string): Promise<void> {
  await select.click();
  const option = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: label });
  await option.click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').waitFor({ state: 'hidden' });
}

/** The timeline as a user reads it: direction and bubble text of each message, oldest first. */
async function timelineEntries(page: Page): Promise<[string, string][]> {
  const entries = page.getByTestId('conversation-pane').getByTestId('message-bubble');
  const result: [string, string][] = [];
  for (const entry of await entries.all()) {
    result.push([(await entry.getAttribute('data-direction')) ?? '', (await entry.locator('.msg__bubble').innerText()).trim()]);
  }
  return result;
}


describe('imbridge console in Chromium against the built API and platform simulator', () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let admin: UserSession | undefined;
  let created: CreatedIntegration | undefined;

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is missing: an earlier step failed (see the first failure)`);
    return value;
  };
  const theStack = (): Stack => need(stack, 'the running stack');
  const adminPage = (): Page => need(admin, 'the admin browser session').page;
  const theIntegration = (): CreatedIntegration => need(created, 'the integration created in the console');

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
    // Reported once, by the test during which they happened.
    const problems = unexpectedProblems(admin.problems);
    admin.problems.errors.length = 0;
    admin.problems.consoleErrors.length = 0;
    expect(problems).toEqual([]);
  });

  it('logs the admin in through the login page (zh-CN), showing the error for a wrong password first', async () => {
    const page = adminPage();
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.getByRole('heading', { name: '登录控制台', exact: true }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.title()).toBe('imbridge 控制台');
    await snap(page, '01-login');

    await loginToConsole(page, ADMIN.username, 'not-the-password');
    const error = page.getByRole('alert').filter({ hasText: '用户名或密码错误' });
    await error.waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.getByLabel('密码', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: cjkButton('登录') }).click();
    await page.waitForURL('**/integrations');
    await page.getByRole('heading', { name: '集成', exact: true }).waitFor();
    // The seeded administrator's display name.
    expect(await page.getByTestId('current-user').textContent()).toBe('Administrator');
    await page.getByText('还没有集成', { exact: true }).waitFor();
    expect(await error.count()).toBe(0);
  });

  it('creates a WeCom integration in the console form and shows its callback URL', async () => {
    const page = adminPage();
    const { publicBaseUrl, simUrl } = theStack();
    await page.getByRole('button', { name: '新建集成' }).first().click();
    await page.waitForURL('**/integrations/new');
    await page.getByRole('button', { name: '企业微信自建应用' }).click();
    await page.waitForURL(/\/integrations\/new\?platform=wecom$/);

    await page.getByLabel('名称', { exact: true }).fill(wecomApp.name);
    await page.getByLabel('企业ID (CorpID)', { exact: true }).fill(wecomApp.corpId);
    await page.getByLabel('应用 AgentId', { exact: true }).fill(String(wecomApp.agentId));
    await page.getByLabel('应用 Secret', { exact: true }).fill(wecomApp.secret);

    const tokenInput = page.getByLabel('回调 Token', { exact: true });
    const aesKeyInput = page.getByLabel('EncodingAESKey', { exact: true });
    expect(await tokenInput.inputValue()).toBe('');
    await page.getByTestId('generate-token').click();
    await page.getByTestId('generate-encodingAesKey').click();
    // The generated values are what the WeCom admin console needs too: read them before saving.
    const token = await tokenInput.inputValue();
    const encodingAesKey = await aesKeyInput.inputValue();
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);

    await page.getByRole('button', { name: '高级设置' }).click();
    const apiBase = page.getByLabel('API 地址', { exact: true });
    await apiBase.waitFor({ state: 'visible' });
    expect(await apiBase.getAttribute('placeholder')).toBe('https://qyapi.weixin.qq.com');
    await apiBase.fill(simUrl);
    await snap(page, '02-integration-form-filled');

    const saved = page.waitForResponse((res) => res.url().endsWith('/api/integrations') && res.request().method() === 'POST');
    await page.getByRole('button', { name: cjkButton('创建') }).click();
    expect((await saved).status()).toBe(201);
    await page.waitForURL(/\/integrations\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';
    expect(id).toMatch(UUID);

    await page.getByText('集成已创建', { exact: true }).waitFor();
    await page.getByText('已保存，下一步到平台后台完成配置', { exact: true }).waitFor();
    const urlText = page.getByTestId('callback-url');
    await urlText.waitFor();
    const callbackUrl = (await urlText.innerText()).trim();
    expect(callbackUrl).toBe(`${publicBaseUrl}/callbacks/wecom/${id}`);
    // The copy button sits next to the URL.
    await urlText.getByRole('button', { name: '复制' }).waitFor();
    await page.getByRole('heading', { name: wecomApp.name, exact: true }).waitFor();
    await snap(page, '03-integration-saved');

    created = { id, callbackUrl, token, encodingAesKey };

    // The API stored what the form showed.
    const adminToken = await theStack().login(ADMIN.username, ADMIN.password);
    const stored = await theStack().api<IntegrationView>('GET', `/api/integrations/${id}`, undefined, adminToken);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      platform: 'wecom',
      name: wecomApp.name,
      enabled: true,
      callbackUrl,
      config: { corpId: wecomApp.corpId, agentId: wecomApp.agentId, apiBaseUrl: simUrl, secret: { set: true } },
    });
  });

  it('passes WeCom URL verification (the simulator, configured with the same app, calls the callback URL)', async () => {
    const sim = theStack().sim;
    const { callbackUrl, token, encodingAesKey } = theIntegration();
    const registered = await sim('POST', '/_sim/wecom/apps', { ...wecomApp, token, encodingAesKey });
    expect(registered.status).toBe(201);

    const verify = await sim<{ status: number; body: string; expected: string }>('POST', '/_sim/wecom/verify-url', {
      callbackUrl,
      corpId: wecomApp.corpId,
    });
    expect(verify.status).toBe(200);
    expect(verify.body.expected).toMatch(/^\d+$/);
    expect(verify.body.status).toBe(200);
    expect(verify.body.body).toBe(verify.body.expected);
  });

  it('receives a text message pushed by WeCom and shows it in the conversations API', async () => {
    const s = theStack();
    const { id, callbackUrl } = theIntegration();
    const push = await s.sim<{ responses: { status: number; body: string; error?: string }[] }>('POST', '/_sim/wecom/push', {
      callbackUrl,
      corpId: wecomApp.corpId,
      message: { type: 'text', fromUser: 'zhangsan', content: '价格' },
    });
    expect(push.status).toBe(200);
    expect(push.body.responses.map((r) => r.status)).toEqual([200]);

    const token = await s.login(ADMIN.username, ADMIN.password);
    const poll = { timeoutMs: 30_000, intervalMs: 200 };
    const conversation = await expectEventually(async () => {
      const res = await s.api<ConversationView[]>('GET', `/api/conversations?integrationId=${id}`, undefined, token);
      expect(res.status).toBe(200);
      const found = res.body.find((c) => c.contact.externalId === 'zhangsan');
      if (!found) throw new Error(`no conversation with zhangsan yet: ${JSON.stringify(res.body)}\n${s.describe()}`);
      return found;
    }, poll);
    expect(conversation).toMatchObject({ integrationId: id, platform: 'wecom' });

    const inbound = await expectEventually(async () => {
      const res = await s.api<MessageView[]>('GET', `/api/conversations/${conversation.id}/messages`, undefined, token);
      expect(res.status).toBe(200);
      const found = res.body.find((m) => m.direction === 'in');
      if (!found) throw new Error(`no inbound message yet: ${JSON.stringify(res.body)}`);
      return found;
    }, poll);
    expect(inbound).toMatchObject({ conversationId: conversation.id, direction: 'in', type: 'text', text: '价格' });
  });

  it('lists the integration and shows its secrets only masked after a reload', async () => {
    const page = adminPage();
    const { id, callbackUrl, token, encodingAesKey } = theIntegration();
    await page.goto('/integrations');
    const row = page.getByRole('row').filter({ hasText: wecomApp.name });
    await row.waitFor();
    // The platform's name replaces its id once GET /api/platforms has answered.
    await row.getByText('企业微信自建应用', { exact: true }).waitFor();
    expect(await row.innerText()).toContain('已启用');
    await snap(page, '04-integrations-list');
    // The list may shorten the URL to fit; its copy button copies all of it.
    await row.getByRole('button', { name: '复制' }).click();
    await page.getByRole('tooltip', { name: '已复制' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(callbackUrl);

    await row.getByRole('link', { name: wecomApp.name }).click();
    await page.waitForURL(`**/integrations/${id}`);
    await page.reload();
    await page.getByRole('heading', { name: wecomApp.name, exact: true }).waitFor();
    for (const field of ['secret', 'token', 'encodingAesKey']) {
      const status = page.getByTestId(`secret-status-${field}`);
      await status.waitFor();
      expect(await status.innerText()).toMatch(/^已设置 ••••/);
    }
    expect(await page.getByLabel('企业ID (CorpID)', { exact: true }).inputValue()).toBe(wecomApp.corpId);
    // The callback card without the "just saved" highlight.
    expect((await page.getByTestId('callback-url').innerText()).trim()).toBe(callbackUrl);
    const html = await page.content();
    for (const secret of [wecomApp.secret, token, encodingAesKey]) expect(html).not.toContain(secret);
    await snap(page, '05-integration-edit-masked');
  });

  it('switches the console to English', async () => {
    const page = adminPage();
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByText('Platform credentials', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    expect(await page.getByTestId('secret-status-secret').innerText()).toMatch(/^Set ••••/);
    await snap(page, '06-integration-edit-english');
    await page.getByRole('menuitem', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Integrations', exact: true }).waitFor();
    await page.getByRole('columnheader', { name: 'Callback URL' }).waitFor();
    // Remembered across page loads.
    await page.reload();
    await page.getByRole('button', { name: 'New integration' }).waitFor();
    await page.getByRole('row').filter({ hasText: wecomApp.name }).getByText('Enabled', { exact: true }).waitFor();
    await snap(page, '07-integrations-english');
  });

  it('shows an agent the admins-only page for integrations', async () => {
    const s = theStack();
    const adminToken = await s.login(ADMIN.username, ADMIN.password);
    const createdUser = await s.api<UserView>('POST', '/api/users', { ...AGENT, role: 'agent' }, adminToken);
    expect(createdUser.status).toBe(201);
    expect(createdUser.body).toMatchObject({ username: AGENT.username, role: 'agent' });

    const agent = await newUserSession(need(browser, 'the browser'), s.apiUrl);
    try {
      const { page } = agent;
      await page.goto('/login');
      await page.getByRole('heading', { name: '登录控制台', exact: true }).waitFor();
      await loginToConsole(page, AGENT.username, AGENT.password);
      // Agents land on their conversations; the integrations page is for admins.
      await page.waitForURL('**/conversations');
      await page.goto('/integrations');
      await page.getByText('仅管理员可访问', { exact: true }).waitFor();
      await page.getByText('集成和关键词回复只对管理员开放。如需修改，请联系系统管理员。', { exact: true }).waitFor();
      expect(await page.getByTestId('current-user').textContent()).toBe(AGENT.displayName);
      expect(await page.getByRole('button', { name: '新建集成' }).count()).toBe(0);
      expect(await page.getByText(wecomApp.name).count()).toBe(0);
      await snap(page, '08-agent-admins-only');

      // A direct link to the integration is refused too, and so is the API.
      await page.goto(`/integrations/${theIntegration().id}`);
      await page.getByText('仅管理员可访问', { exact: true }).waitFor();
      expect(await page.getByText(wecomApp.name).count()).toBe(0);
      const agentToken = await s.login(AGENT.username, AGENT.password);
      expect((await s.api('GET', '/api/integrations', undefined, agentToken)).status).toBe(403);
      expect(unexpectedProblems(agent.problems)).toEqual([]);
    } finally {
      await agent.context.close();
    }
  });

  it('lets the agent change their password from the header, and the admin grant them every chat on the agents page', async () => {
    const s = theStack();
    const agent = await newUserSession(need(browser, 'the browser'), s.apiUrl);
    const newPassword = `${AGENT.password}-2`;
    try {
      const { page } = agent;
      await page.goto('/login');
      await loginToConsole(page, AGENT.username, AGENT.password);
      await page.waitForURL('**/conversations');
      await page.getByTestId('change-password').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('当前密码').fill(AGENT.password);
      await dialog.getByLabel('新密码', { exact: true }).fill(newPassword);
      await dialog.getByLabel('确认新密码').fill(newPassword);
      await snap(page, '08b-change-password');
      await dialog.getByRole('button', { name: cjkButton('保存') }).click();
      await page.getByText('密码已修改，其他设备上的登录已退出', { exact: true }).waitFor();
      // This console stays logged in (a fresh cookie); the old password no longer works, the new one does.
      expect((await page.request.get('/api/auth/me')).status()).toBe(200);
      expect((await s.api('POST', '/api/auth/login', { username: AGENT.username, password: AGENT.password })).status).toBe(401);
      expect((await s.api('POST', '/api/auth/login', { username: AGENT.username, password: newPassword })).status).toBe(200);
      expect(unexpectedProblems(agent.problems)).toEqual([]);
    } finally {
      await agent.context.close();
      // Later steps log the agent in with the password they were created with.
      const adminToken = await s.login(ADMIN.username, ADMIN.password);
      const users = await s.api<UserView[]>('GET', '/api/users', undefined, adminToken);
      const id = users.body.find((u) => u.username === AGENT.username)?.id;
      if (id) await s.api('PUT', `/api/users/${id}/password`, { password: AGENT.password }, adminToken);
    }

    // The admin's console is in English since the language step.
    const page = adminPage();
    await page.goto('/agents');
    const toggle = page.getByRole('switch', { name: `Let ${AGENT.displayName} see every chat` });
    await toggle.click();
    await page.getByText(`${AGENT.displayName} now sees every chat`, { exact: true }).waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await snap(page, '08c-agents-view-all');
    await toggle.click();
    await page.getByText(`${AGENT.displayName} now sees only queued chats and their own`, { exact: true }).waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    // The toasts sit over the header's language switch, which the next step clicks: let them go.
    const notices = page.locator('.ant-message-notice');
    while ((await notices.count()) > 0) await notices.first().waitFor({ state: 'detached' });
  });

  /** Text messages WeCom's message/send received for `touser`, oldest first. */
  const sentTexts = async (touser: string): Promise<SimSentMessage[]> => {
    const res = await theStack().sim<{ messages: SimSentMessage[] }>('GET', `/_sim/wecom/messages?corpId=${wecomApp.corpId}`);
    expect(res.status).toBe(200);
    return res.body.messages.filter((m) => m.body.touser === touser && m.body.msgtype === 'text');
  };

  it('creates a keyword rule on the 关键词回复 page and its 测试 box shows the rule would fire', async () => {
    const page = adminPage();
    // The previous tests left the console in English.
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('button', { name: cjkButton('退出登录') }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

    await page.getByRole('menuitem', { name: '关键词回复' }).click();
    await page.waitForURL('**/keyword-rules');
    await page.getByRole('heading', { name: '关键词回复', exact: true }).waitFor();
    await page.getByText('还没有关键词规则', { exact: true }).waitFor();

    await page.getByRole('button', { name: '新建规则' }).first().click();
    const drawer = page.locator('.rule-drawer .ant-drawer-section');
    await drawer.getByText('新建关键词规则', { exact: true }).waitFor();
    await drawer.getByLabel('名称', { exact: true }).fill(PRICE_RULE.name);
    await chooseOption(page, drawer.getByLabel('适用集成', { exact: true }), wecomApp.name);
    await drawer.locator('.ant-segmented-item').filter({ hasText: /^包含$/ }).click();
    await drawer.getByText('消息中包含关键词时命中。', { exact: true }).waitFor();
    const keywords = drawer.getByLabel('关键词', { exact: true });
    await keywords.fill(PRICE_RULE.keyword);
    await keywords.press('Enter');
    expect(await drawer.getByTestId('keyword-tags').innerText()).toBe(PRICE_RULE.keyword);
    await drawer.getByLabel('回复文本', { exact: true }).fill(PRICE_RULE.reply);

    const saved = page.waitForResponse((res) => res.url().endsWith('/api/keyword-rules') && res.request().method() === 'POST');
    await page.getByTestId('rule-submit').click();
    expect((await saved).status()).toBe(201);
    await drawer.waitFor({ state: 'hidden' });

    const row = page.getByRole('row').filter({ hasText: PRICE_RULE.name });
    await row.waitFor();
    const rowText = await row.innerText();
    for (const text of [wecomApp.name, '包含', PRICE_RULE.keyword, PRICE_RULE.reply]) expect(rowText).toContain(text);

    // The API stored what the drawer showed.
    const s = theStack();
    const adminToken = await s.login(ADMIN.username, ADMIN.password);
    const rules = await s.api<unknown[]>('GET', '/api/keyword-rules', undefined, adminToken);
    expect(rules.status).toBe(200);
    expect(rules.body).toEqual([
      expect.objectContaining({
        integrationId: theIntegration().id,
        name: PRICE_RULE.name,
        keywords: [PRICE_RULE.keyword],
        matchType: 'contains',
        enabled: true,
        reply: { type: 'text', text: PRICE_RULE.reply },
      }),
    ]);

    // 测试: which rule would answer "请问价格" sent to this integration?
    const testBox = page.locator('.side-card').filter({ has: page.getByTestId('rule-test-run') });
    await chooseOption(page, testBox.getByLabel('适用集成', { exact: true }), wecomApp.name);
    await testBox.getByLabel('示例消息', { exact: true }).fill('请问价格');
    await testBox.getByTestId('rule-test-run').click();
    const result = testBox.getByTestId('rule-test-result');
    await result.waitFor();
    expect(await result.getAttribute('class')).toContain('ant-alert-success');
    await result.getByText(`将触发规则“${PRICE_RULE.name}”`, { exact: true }).waitFor();
    const resultText = await result.innerText();
    expect(resultText).toContain(`命中关键词`);
    expect(await result.locator('.ant-tag').allInnerTexts()).toEqual([PRICE_RULE.keyword, '包含']);
    expect(resultText).toContain(PRICE_RULE.reply);
    await snap(page, '10-keyword-rules');
  });

  it('answers a WeCom user who sends "价格" with the rule reply through message/send', async () => {
    const s = theStack();
    const { callbackUrl } = theIntegration();
    // The first "价格" (before the rule existed) got the bot's fallback text, once.
    const before = await expectEventually(async () => {
      const sent = await sentTexts('zhangsan');
      expect(sent.map((m) => m.body.text?.content)).toEqual([FALLBACK_TEXT]);
      return sent.length;
    });
    const push = await s.sim<{ responses: { status: number }[] }>('POST', '/_sim/wecom/push', {
      callbackUrl,
      corpId: wecomApp.corpId,
      message: { type: 'text', fromUser: 'zhangsan', content: PRICE_RULE.keyword },
    });
    expect(push.status).toBe(200);
    expect(push.body.responses.map((r) => r.status)).toEqual([200]);

    const replies = await expectEventually(
      async () => {
        const sent = (await sentTexts('zhangsan')).slice(before);
        if (sent.length === 0) throw new Error(`no reply to zhangsan at message/send yet\n${s.describe()}`);
        return sent;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      corpId: wecomApp.corpId,
      agentId: wecomApp.agentId,
      body: { touser: 'zhangsan', msgtype: 'text', agentid: wecomApp.agentId, text: { content: PRICE_RULE.reply } },
    });
    // Exactly once: nothing else follows.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await sentTexts('zhangsan')).toHaveLength(before + 1);
  });

  it('shows the inbound "价格", the fallback and the keyword reply in zhangsan\'s conversation on the desk', async () => {
    const page = adminPage();
    await page.getByRole('menuitem', { name: '会话' }).click();
    await page.waitForURL('**/conversations');
    // The chat is with the bot: admins find it under 全部会话.
    await page.getByTestId('desk-tab-all').click();
    const row = page.locator('[data-testid="conversation-item"][data-contact="zhangsan"]');
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('bot');
    await row.click();
    const pane = page.getByTestId('conversation-pane');
    await pane.waitFor();
    // The chat opens beside the list, with a deep link in the address bar.
    expect(new URL(page.url()).pathname).toMatch(/^\/conversations\/[0-9a-f-]{36}$/);

    const reply = pane.locator('[data-testid="message-bubble"][data-direction="out"]').filter({ hasText: PRICE_RULE.reply });
    await reply.getByTestId('msg-status').filter({ hasText: /^已发送$/ }).waitFor();
    // Both pushes of "价格": the first (before the rule existed) got the fallback, the second the rule's reply.
    expect(await timelineEntries(page)).toEqual([
      ['in', PRICE_RULE.keyword],
      ['out', FALLBACK_TEXT],
      ['in', PRICE_RULE.keyword],
      ['out', PRICE_RULE.reply],
    ]);
    expect(await reply.getByTestId('msg-status').getAttribute('class')).toContain('ant-tag-success');
    await snap(page, '09-conversation-keyword-reply');
  });

  it('shows the callback log and a successful connection test on the integration page', async () => {
    const page = adminPage();
    await page.getByRole('menuitem', { name: '集成' }).click();
    await page.waitForURL('**/integrations');
    await page.getByRole('row').filter({ hasText: wecomApp.name }).getByRole('link', { name: wecomApp.name }).click();
    await page.waitForURL(`**/integrations/${theIntegration().id}`);
    await page.getByRole('heading', { name: wecomApp.name, exact: true }).waitFor();

    const log = page.locator('.side-card').filter({ has: page.getByText('回调记录', { exact: true }) });
    await log.waitFor();
    // URL verification (GET) and the two pushes (POST) so far.
    const rows = log.locator('.ant-table-tbody tr.ant-table-row');
    await expectEventually(async () => expect(await rows.count()).toBe(3), { timeoutMs: 15_000, intervalMs: 250 });
    const outcomes = await log.locator('.ant-table-tbody tr.ant-table-row td:nth-child(3)').allInnerTexts();
    expect(outcomes.map((o) => o.trim()).sort()).toEqual(['URL 验证通过', '已接收', '已接收']);
    const summary = await log.getByTestId('callback-summary').innerText();
    expect(summary).not.toContain('从未');
    expect(await log.getByTestId('never-reached').count()).toBe(0);

    await page.getByTestId('test-connection').click();
    const result = page.getByTestId('connection-result');
    await result.waitFor();
    await result.getByText('连接成功', { exact: false }).first().waitFor();
    expect(await result.getAttribute('class')).toContain('ant-alert-success');
    expect(await result.innerText()).not.toContain('连接失败');
    await snap(page, '11-integration-diagnostics');
  });
});
