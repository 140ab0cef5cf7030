import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { KF_HISTORY_FIELD, type IntegrationView, type KfAccountsResponse, type KfAccountView, type PlatformDescriptor } from '@imbridge/contracts';
import { adminUser, wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp, renderWithProviders, type MockRoute } from '../../../test/render';
import { KfAccountsCard } from './KfAccountsCard';

const base = '/api/integrations/int-1/kf/accounts';

const presale: KfAccountView = {
  openKfId: 'wkPRE001',
  name: '售前咨询',
  avatar: 'https://wework.qpic.cn/avatar/presale.png',
  onPlatform: true,
  served: true,
  pipeline: 'bot',
  handoff: 'console',
  servicerUserId: null,
  welcome: { enabled: false, type: 'text', text: '' },
  endMessage: null,
  links: [{ scene: 'homepage', sceneParam: null, url: 'https://work.weixin.qq.com/kf/kfcPRE001?enc_scene=ENC1', createdAt: '2026-11-20T08:00:00.000Z' }],
  primedAt: '2026-11-20T08:00:00.000Z',
  lastPulledAt: '2026-11-21T08:00:00.000Z',
};

const aftersale: KfAccountView = {
  ...presale,
  openKfId: 'wkAFT002',
  name: '售后服务',
  avatar: null,
  onPlatform: false,
  pipeline: 'human',
  handoff: 'wecom',
  servicerUserId: 'zhangsan',
  welcome: { enabled: true, type: 'menu', menu: { head: '请选择', items: [{ id: 'repair', content: '报修' }], tail: '其他问题请直接留言' } },
  endMessage: '感谢咨询，再见',
  links: [],
  lastPulledAt: null,
};

const accounts = (over: Partial<KfAccountsResponse> = {}): KfAccountsResponse => ({ accounts: [presale, aftersale], platformError: null, ...over });

function render(routes: MockRoute[], lang: 'zh' | 'en' = 'zh') {
  const mocked = mockFetch(routes);
  renderWithProviders(<KfAccountsCard integrationId="int-1" />, { lang });
  return mocked;
}

const account = async (openKfId: string) => screen.findByTestId(`kf-account-${openKfId}`);

// Plain selectors: role/label queries over two full account forms are slow in jsdom.
function byLabel<T extends HTMLElement = HTMLInputElement>(scope: HTMLElement, label: string): T {
  const found = scope.querySelector(`[aria-label="${label}"]`);
  if (!found) throw new Error(`no control labelled ${label}`);
  return found as T;
}
function radio(scope: HTMLElement, label: string): HTMLInputElement {
  const wrapper = Array.from(scope.querySelectorAll('label')).find((l) => l.textContent === label && l.querySelector('input[type="radio"]'));
  if (!wrapper) throw new Error(`no radio ${label}`);
  return wrapper.querySelector('input') as HTMLInputElement;
}
function button(scope: HTMLElement, text: string): HTMLButtonElement {
  const found = Array.from(scope.querySelectorAll('button')).find((b) => b.textContent?.replace(/\s/g, '') === text || b.getAttribute('aria-label') === text);
  if (!found) throw new Error(`no button ${text}`);
  return found;
}

describe('KfAccountsCard', () => {
  it('lists the accounts with avatar, name, open_kfid, the not-on-platform tag and their settings', async () => {
    render([{ path: base, body: accounts() }, { path: `${base}/wkAFT002/servicers`, body: [{ userId: 'zhangsan', status: 0 }, { userId: 'lisi', status: 1 }] }]);
    const pre = await account('wkPRE001');
    expect(within(pre).getByText('售前咨询')).toBeTruthy();
    expect(within(pre).getByTestId('kf-open-kfid').textContent).toBe('wkPRE001');
    expect(pre.querySelector('img')?.getAttribute('src')).toBe('https://wework.qpic.cn/avatar/presale.png');
    expect(within(pre).queryByTestId('kf-not-on-platform')).toBeNull();
    expect(byLabel(pre, '由本集成接待').getAttribute('aria-checked')).toBe('true');
    expect((radio(pre, '机器人优先') as HTMLInputElement).checked).toBe(true);
    expect((radio(pre, '控制台客服') as HTMLInputElement).checked).toBe(true);
    expect(pre.querySelector('[aria-label="接待人员"]')).toBeNull();
    expect(within(pre).getByTestId('kf-link-url').textContent).toContain('https://work.weixin.qq.com/kf/kfcPRE001?enc_scene=ENC1');
    expect(within(pre).getByTestId('kf-link-qr').querySelector('canvas')).toBeTruthy();

    const aft = await account('wkAFT002');
    expect(within(aft).getByTestId('kf-not-on-platform').textContent).toBe('平台上已不存在');
    expect((radio(aft, '直接转人工') as HTMLInputElement).checked).toBe(true);
    expect((radio(aft, '企业微信接待人员') as HTMLInputElement).checked).toBe(true);
    expect(within(aft).getByText('尚未拉取消息')).toBeTruthy();
    // The menu welcome is loaded into the editor.
    expect((byLabel(aft, '开头文字') as HTMLInputElement).value).toBe('请选择');
    expect((byLabel(aft, '选项 1 的 ID') as HTMLInputElement).value).toBe('repair');
    expect((byLabel(aft, '选项 1 的文字') as HTMLInputElement).value).toBe('报修');
    expect((byLabel(aft, '结尾文字') as HTMLInputElement).value).toBe('其他问题请直接留言');
    expect((byLabel(aft, '结束语') as HTMLTextAreaElement).value).toBe('感谢咨询，再见');
    expect(within(aft).getByText('还没有联系链接')).toBeTruthy();
  });

  it('shows a platform error with its code while the stored accounts still show', async () => {
    render([
      {
        path: base,
        body: accounts({
          accounts: [{ ...presale, onPlatform: false }],
          platformError: { code: 'PLATFORM_ERROR', platformCode: '48002', message: 'api forbidden', messageZh: '接口无权限：请在微信客服中把本应用设为可调用接口的应用' },
        }),
      },
    ]);
    const alert = await screen.findByTestId('kf-platform-error');
    expect(alert.textContent).toContain('无法从企业微信获取客服账号列表（PLATFORM_ERROR / 48002）');
    expect(alert.textContent).toContain('接口无权限：请在微信客服中把本应用设为可调用接口的应用');
    expect(within(await account('wkPRE001')).getByTestId('kf-not-on-platform')).toBeTruthy();
  });

  it('explains where accounts are created when the platform has none, and reloads', async () => {
    const { calls } = render([{ path: base, body: accounts({ accounts: [] }) }]);
    const empty = await screen.findByTestId('kf-empty');
    expect(empty.textContent).toContain('平台上还没有微信客服账号');
    expect(empty.textContent).toContain('「应用管理 → 微信客服」');
    fireEvent.click(screen.getByTestId('kf-reload'));
    await waitFor(() => expect(calls.filter((c) => c.path === base)).toHaveLength(2));
  });

  it('refreshing replaces the shown accounts with the server’s', async () => {
    const list: MockRoute[] = [{ path: base, body: accounts() }, { path: `${base}/wkAFT002/servicers`, body: [] }];
    render(list);
    const pre = await account('wkPRE001');
    fireEvent.change(byLabel(pre, '结束语'), { target: { value: '未保存的修改' } });
    list[0]!.body = accounts({ accounts: [{ ...presale, endMessage: '别处改过的结束语' }, aftersale, { ...presale, openKfId: 'wkNEW003', name: '新账号', links: [] }] });
    fireEvent.click(screen.getByTestId('kf-reload'));
    expect(await account('wkNEW003')).toBeTruthy();
    await waitFor(() => expect(byLabel<HTMLTextAreaElement>(screen.getByTestId('kf-account-wkPRE001'), '结束语').value).toBe('别处改过的结束语'));
  });

  it('shows an error when the accounts cannot be loaded at all', async () => {
    render([{ path: base, status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'Not a wecom-kf integration', messageZh: '不是微信客服集成' } }]);
    const error = await screen.findByTestId('kf-load-error');
    expect(error.textContent).toContain('无法加载微信客服账号');
    expect(error.textContent).toContain('不是微信客服集成');
  });

  it('saves an account: handoff to a WeCom servicer picked from the list (receiving / stopped), a text welcome and an end message', async () => {
    const { calls } = render([
      { path: base, body: accounts() },
      { path: `${base}/wkPRE001/servicers`, body: [{ userId: 'zhangsan', status: 0 }, { userId: 'lisi', status: 1 }] },
      { method: 'PUT', path: `${base}/wkPRE001`, body: { ...presale, handoff: 'wecom', servicerUserId: 'lisi', welcome: { enabled: true, type: 'text', text: '您好，请问有什么可以帮您？' }, endMessage: '再见' } },
    ]);
    const pre = await account('wkPRE001');
    fireEvent.click(radio(pre, '企业微信接待人员'));
    await waitFor(() => expect(calls.some((c) => c.path === `${base}/wkPRE001/servicers`)).toBe(true));
    const select = within(pre).getByTestId('kf-servicer-wkPRE001');
    expect(select.textContent).toContain('自动选择正在接待的人员');
    fireEvent.mouseDown(select.querySelector('.ant-select-selector') ?? within(pre).getByRole('combobox'));
    const option = await waitFor(() => {
      const found = Array.from(document.querySelectorAll('.ant-select-item-option')).find((o) => o.textContent?.includes('lisi'));
      if (!found) throw new Error('no option yet');
      return found as HTMLElement;
    });
    expect(option.textContent).toContain('停止接待');
    expect(Array.from(document.querySelectorAll('.ant-select-item-option')).find((o) => o.textContent?.includes('zhangsan'))?.textContent).toContain('正在接待');
    fireEvent.click(option);

    fireEvent.click(byLabel(pre, '客户进入会话时发送欢迎语'));
    fireEvent.change(byLabel(pre, '欢迎语内容'), { target: { value: '您好，请问有什么可以帮您？' } });
    fireEvent.change(byLabel(pre, '结束语'), { target: { value: '再见' } });
    fireEvent.click(within(pre).getByTestId('kf-save-wkPRE001'));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      served: true,
      pipeline: 'bot',
      handoff: 'wecom',
      servicerUserId: 'lisi',
      welcome: { enabled: true, type: 'text', text: '您好，请问有什么可以帮您？' },
      endMessage: '再见',
    });
    expect(await screen.findByText('已保存「售前咨询」的设置')).toBeTruthy();
  });

  it('edits the welcome menu (add / remove options) and shows the API’s field errors on the fields', async () => {
    const { calls } = render([
      { path: base, body: accounts() },
      { path: `${base}/wkAFT002/servicers`, body: [{ userId: 'zhangsan', status: 0 }] },
      {
        method: 'PUT',
        path: `${base}/wkAFT002`,
        status: 400,
        body: {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'Invalid kf account settings',
          messageZh: '微信客服账号设置无效',
          details: [
            { field: 'welcome.menu.items[1].id', message: { zh: '选项 ID 只能包含字母、数字、_ 和 -（1–64 位）', en: 'Option ids are 1-64 of 0-9 a-z A-Z _ -' } },
            { field: 'endMessage', message: { zh: '结束语不能超过 2048 字节', en: 'The end message is at most 2048 bytes' } },
          ],
        },
      },
    ]);
    const aft = await account('wkAFT002');
    fireEvent.click(button(aft, '添加选项'));
    fireEvent.change(byLabel(aft, '选项 2 的 ID'), { target: { value: 'bad id!' } });
    fireEvent.change(byLabel(aft, '选项 2 的文字'), { target: { value: '投诉' } });
    fireEvent.click(button(aft, '添加选项'));
    expect(within(aft).getAllByTestId('kf-menu-item')).toHaveLength(3);
    fireEvent.click(button(aft, '删除选项 3'));
    expect(within(aft).getAllByTestId('kf-menu-item')).toHaveLength(2);
    fireEvent.change(byLabel(aft, '结束语'), { target: { value: '好'.repeat(700) } });
    fireEvent.click(within(aft).getByTestId('kf-save-wkAFT002'));

    expect((await within(aft).findByTestId('kf-save-error-wkAFT002')).textContent).toContain('微信客服账号设置无效');
    expect(within(aft).getByTestId('kf-field-error-welcome.menu.items.1.id').textContent).toBe('选项 ID 只能包含字母、数字、_ 和 -（1–64 位）');
    expect(within(aft).getByTestId('kf-field-error-endMessage').textContent).toBe('结束语不能超过 2048 字节');
    expect((calls.find((c) => c.method === 'PUT')!.body as { welcome: unknown }).welcome).toEqual({
      enabled: true,
      type: 'menu',
      menu: {
        head: '请选择',
        items: [
          { id: 'repair', content: '报修' },
          { id: 'bad id!', content: '投诉' },
        ],
        tail: '其他问题请直接留言',
      },
    });
  });

  it('creates a contact link (scene checked before sending), copyable URL, QR code downloaded as PNG, and deletes a link', async () => {
    const created = { scene: 'poster_2026', sceneParam: 'order 1001', url: 'https://work.weixin.qq.com/kf/kfcAFT?enc_scene=ENC2&scene_param=order%201001', createdAt: '2026-11-21T09:00:00.000Z' };
    const { calls } = render([
      { path: base, body: accounts() },
      { path: `${base}/wkAFT002/servicers`, body: [] },
      { method: 'POST', path: `${base}/wkAFT002/links`, status: 201, body: created },
      { method: 'DELETE', path: `${base}/wkPRE001/links/homepage`, status: 204 },
    ]);
    const aft = await account('wkAFT002');
    const scene = byLabel(aft, '场景值');
    fireEvent.change(scene, { target: { value: 'bad scene!' } });
    fireEvent.click(within(aft).getByTestId('kf-create-link'));
    expect(await within(aft).findByText('场景值为 1–32 位英文字母、数字、_ 或 -')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(scene, { target: { value: 'poster_2026' } });
    fireEvent.change(byLabel(aft, '场景参数（可选）'), { target: { value: 'order 1001' } });
    fireEvent.click(within(aft).getByTestId('kf-create-link'));
    await waitFor(() => expect(within(aft).getByTestId('kf-link-url').textContent).toContain(created.url));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ scene: 'poster_2026', sceneParam: 'order 1001' });
    expect(within(aft).getByTestId('kf-link-qr').querySelector('canvas')).toBeTruthy();
    expect(within(aft).getByTestId('kf-link-url').querySelector('.ant-typography-copy')).toBeTruthy();

    // The PNG comes from the QR code's canvas (jsdom has no canvas drawing: the browser API is stubbed).
    const toDataURL = vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockReturnValue('data:image/png;base64,AAAA');
    const clicks: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ href: this.href, download: this.download });
    });
    fireEvent.click(within(aft).getByTestId('kf-link-download'));
    expect(toDataURL).toHaveBeenCalledWith('image/png');
    expect(clicks).toEqual([{ href: 'data:image/png;base64,AAAA', download: 'kf-wkAFT002-poster_2026.png' }]);

    const pre = await account('wkPRE001');
    fireEvent.click(within(pre).getByTestId('kf-link-delete'));
    fireEvent.click(await screen.findByTestId('kf-link-delete-confirm'));
    await waitFor(() => expect(within(pre).queryByTestId('kf-link')).toBeNull());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `${base}/wkPRE001/links/homepage`)).toBe(true);
  });

  it('shows the API’s scene error on the link form', async () => {
    render([
      { path: base, body: accounts() },
      { path: `${base}/wkAFT002/servicers`, body: [] },
      {
        method: 'POST',
        path: `${base}/wkPRE001/links`,
        status: 400,
        body: { statusCode: 400, code: 'VALIDATION_FAILED', message: 'invalid', messageZh: '无效', details: [{ field: 'sceneParam', message: { zh: '场景参数不能超过 128 字节', en: 'at most 128 bytes' } }] },
      },
    ]);
    const pre = await account('wkPRE001');
    fireEvent.change(byLabel(pre, '场景值'), { target: { value: 'shop' } });
    fireEvent.click(within(pre).getByTestId('kf-create-link'));
    expect(await within(pre).findByText('场景参数不能超过 128 字节')).toBeTruthy();
  });

  it('renders in English', async () => {
    render(
      [
        { path: base, body: accounts({ platformError: { code: 'PLATFORM_ERROR', platformCode: '60020', message: 'not allow to access from your ip', messageZh: '来源 IP 不在白名单' } }) },
        { path: `${base}/wkAFT002/servicers`, body: [{ userId: 'zhangsan', status: 0 }] },
      ],
      'en',
    );
    expect(await screen.findByText('WeChat Customer Service accounts')).toBeTruthy();
    const alert = await screen.findByTestId('kf-platform-error');
    expect(alert.textContent).toContain('Could not fetch the account list from WeCom (PLATFORM_ERROR / 60020)');
    expect(alert.textContent).toContain('not allow to access from your ip');
    const aft = await account('wkAFT002');
    expect(within(aft).getByTestId('kf-not-on-platform').textContent).toBe('Not on the platform any more');
    expect(radio(aft, 'Straight to agents')).toBeTruthy();
    expect(button(aft, 'Addanoption')).toBeTruthy();
  });
});

const kfDescriptor: PlatformDescriptor = {
  ...wecomDescriptor,
  id: 'wecom-kf',
  name: { zh: '微信客服', en: 'WeChat Customer Service' },
  fields: [
    ...wecomDescriptor.fields.filter((f) => f.name !== 'agentId'),
    {
      name: KF_HISTORY_FIELD,
      label: { zh: '首次接入时的历史消息', en: 'History on first setup' },
      type: 'select',
      required: false,
      secret: false,
      default: 'skip',
      options: [
        { value: 'skip', label: { zh: '跳过', en: 'Skip' } },
        { value: 'import', label: { zh: '导入最近 3 天（不回复）', en: 'Import the last 3 days (not answered)' } },
      ],
    },
  ],
};
const kfIntegration: IntegrationView = { ...wecomIntegration, platform: 'wecom-kf', config: { ...wecomIntegration.config, [KF_HISTORY_FIELD]: 'import' } };

describe('the wecom-kf integration edit page', () => {
  const pageRoutes = (integration: IntegrationView): MockRoute[] => [
    { path: '/api/platforms', body: [wecomDescriptor, kfDescriptor] },
    { path: '/api/integrations/int-1', body: integration },
    { path: '/api/integrations/int-1/callbacks', body: { records: [], summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true }, setupOrder: { zh: [], en: [] } } },
    { path: '/api/integrations/int-1/bot', status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'no' } },
    { path: base, body: accounts() },
    { path: `${base}/wkAFT002/servicers`, body: [] },
  ];

  it('mounts the accounts card for a saved wecom-kf integration, with the history select in the form', async () => {
    mockFetch(pageRoutes(kfIntegration));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    expect(await screen.findByTestId('kf-accounts-card')).toBeTruthy();
    expect(await screen.findByTestId('kf-account-wkPRE001')).toBeTruthy();
    expect(screen.getByLabelText('首次接入时的历史消息').getAttribute('role')).toBe('combobox');
    expect(screen.getByText('导入最近 3 天（不回复）')).toBeTruthy();
  });

  it('does not mount it for other platforms', async () => {
    mockFetch(pageRoutes(wecomIntegration));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    await screen.findAllByText('客服号 - 华东');
    expect(screen.queryByTestId('kf-accounts-card')).toBeNull();
  });
});
