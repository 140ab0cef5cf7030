import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser, wecomDescriptor, wecomIntegration } from './test/fixtures';
import { mockFetch, renderApp } from './test/render';

describe('console routes', () => {
  it('sends signed-out users to the login page (GET /api/auth/me → 401)', async () => {
    mockFetch([{ path: '/api/auth/me', status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' } }]);
    renderApp({ route: '/integrations' });
    expect(await screen.findByText('登录控制台')).toBeTruthy();
  });

  it('returns to /login when any API call answers 401', async () => {
    mockFetch([
      { path: '/api/auth/me', body: adminUser },
      { path: '/api/platforms', body: [wecomDescriptor] },
      { path: '/api/integrations', status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' } },
    ]);
    renderApp({ route: '/integrations' });
    expect(await screen.findByText('登录控制台')).toBeTruthy();
    expect(screen.getByText('登录已过期，请重新登录')).toBeTruthy();
  });

  it('shows agents a friendly "admins only" page', async () => {
    mockFetch([]);
    renderApp({ route: '/integrations', user: agentUser });
    expect(await screen.findByText('仅管理员可访问')).toBeTruthy();
    expect(screen.getByText('坐席')).toBeTruthy();
  });

  it('shows "admins only" when the API answers 403', async () => {
    mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      { path: '/api/integrations', status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'Forbidden' } },
    ]);
    renderApp({ route: '/integrations', user: adminUser });
    expect(await screen.findByText('仅管理员可访问')).toBeTruthy();
  });

  it('lists integrations with the platform name in the current language and deletes after confirmation', async () => {
    const { calls } = mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      {
        path: '/api/integrations',
        body: [
          wecomIntegration,
          {
            ...wecomIntegration,
            id: 'int-2',
            name: '测试应用',
            enabled: false,
            callbackUrl: 'https://imbridge.example.com/callbacks/wecom/int-2',
            lastError: { code: '60020', message: 'not allow to access from your ip', at: '2025-03-03T01:00:00.000Z' },
          },
        ],
      },
      { method: 'DELETE', path: '/api/integrations/int-2', status: 204 },
    ]);
    renderApp({ route: '/integrations', user: adminUser, lang: 'en' });

    const row = (await screen.findByText('测试应用')).closest('tr') as HTMLElement;
    expect(within(row).getByText('WeCom')).toBeTruthy();
    expect(within(row).getByText('Disabled')).toBeTruthy();
    expect(within(row).getByText('60020')).toBeTruthy();
    expect(within(row).getByText('https://imbridge.example.com/callbacks/wecom/int-2')).toBeTruthy();
    expect(within(row).getByRole('button', { name: /copy/i })).toBeTruthy();
    const firstRow = screen.getByText('客服号 - 华东').closest('tr') as HTMLElement;
    expect(within(firstRow).getByText('Enabled')).toBeTruthy();

    // (getByText rather than a role query: role queries over antd tables are slow in jsdom)
    fireEvent.click(within(row).getByText('Delete').closest('button') as HTMLElement);
    const confirm = await screen.findByText('Delete integration “测试应用”?');
    const popover = confirm.closest('.ant-popover') as HTMLElement;
    fireEvent.click(within(popover).getByRole('button', { name: /Delete/ }));

    await waitFor(() => expect(screen.queryByText('测试应用')).toBeNull());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/integrations/int-2')).toBe(true);
    expect(screen.getByText('客服号 - 华东')).toBeTruthy();
  });

  it('creates an integration: pick WeCom, fill the form, then see the callback URL and setup order', async () => {
    const created = { ...wecomIntegration, id: 'int-9', name: '新应用', callbackUrl: 'https://imbridge.example.com/callbacks/wecom/int-9' };
    const { calls } = mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      { method: 'POST', path: '/api/integrations', status: 201, body: created },
      { path: '/api/integrations/int-9', body: created },
    ]);
    renderApp({ route: '/integrations/new', user: adminUser });

    fireEvent.click(await screen.findByRole('button', { name: '企业微信' }));
    fireEvent.change(await screen.findByLabelText('名称'), { target: { value: '新应用' } });
    fireEvent.change(screen.getByLabelText('企业 ID'), { target: { value: 'ww0123456789abcdef' } });
    fireEvent.change(screen.getByLabelText('应用 AgentId'), { target: { value: '1000002' } });
    fireEvent.change(screen.getByLabelText('应用 Secret'), { target: { value: 'S'.repeat(43) } });
    fireEvent.click(screen.getByTestId('generate-token'));
    fireEvent.click(screen.getByTestId('generate-encodingAesKey'));
    fireEvent.click(screen.getByRole('button', { name: /创\s*建/ }));

    expect(await screen.findByText('已保存，下一步到平台后台完成配置')).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/integrations')!;
    const body = post.body as { platform: string; config: Record<string, unknown> };
    expect(body.platform).toBe('wecom');
    expect(body.config.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(body.config.encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);

    const url = screen.getAllByTestId('callback-url')[0];
    expect(url.textContent).toContain('https://imbridge.example.com/callbacks/wecom/int-9');
    expect(within(url).getByRole('button', { name: /复制/ })).toBeTruthy();
    expect(screen.getByText('再到企业微信管理后台填写 URL、Token、EncodingAESKey 并保存。')).toBeTruthy();
  });

  it('edits an integration and sends only the secrets that were replaced', async () => {
    const { calls } = mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      { path: '/api/integrations/int-1', body: wecomIntegration },
      { method: 'PUT', path: '/api/integrations/int-1', body: { ...wecomIntegration, name: '客服号 - 华南', updatedAt: '2025-04-01T00:00:00.000Z' } },
    ]);
    renderApp({ route: '/integrations/int-1', user: adminUser });

    const name = await screen.findByLabelText('名称');
    fireEvent.change(name, { target: { value: '客服号 - 华南' } });
    fireEvent.click(screen.getByRole('button', { name: /保存修改/ }));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({
      name: '客服号 - 华南',
      enabled: true,
      config: { corpId: 'ww0123456789abcdef', agentId: 1000002, apiBaseUrl: 'https://qyapi.weixin.qq.com', replayToleranceSeconds: 86400 },
    });
    expect(await screen.findByText('已保存，下一步到平台后台完成配置')).toBeTruthy();
  });

  it('switches the whole shell between Chinese and English', async () => {
    mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      { path: '/api/integrations', body: [wecomIntegration] },
    ]);
    renderApp({ route: '/integrations', user: adminUser });
    expect(await screen.findByText('新建集成')).toBeTruthy();
    expect(screen.getByText('管理员')).toBeTruthy();
    expect(await screen.findByText('企业微信')).toBeTruthy();

    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('New integration')).toBeTruthy();
    expect(screen.getByText('Admin')).toBeTruthy();
    expect(screen.getByText('WeCom')).toBeTruthy();
    expect(screen.getByText('Sign out')).toBeTruthy();
    expect(screen.queryByText('新建集成')).toBeNull();
  });
});
