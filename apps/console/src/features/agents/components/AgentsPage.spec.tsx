import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { AgentView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser } from '../../../test/fixtures';
import { mockFetch, type MockRoute } from '../../../test/render';
import { FakeDesk, renderDesk } from '../../desk/testing/fakeDesk';

const admin: AgentView = { id: adminUser.id, username: 'admin', displayName: '王小明', role: 'admin', status: 'online', capacity: 0, canViewAllChats: true, activeChats: 0 };
const li: AgentView = { id: agentUser.id, username: 'agent1', displayName: '李客服', role: 'agent', status: 'away', capacity: 5, canViewAllChats: false, activeChats: 2 };
const zhao: AgentView = { id: 'u-3', username: 'zhao.qian', displayName: null, role: 'agent', status: 'offline', capacity: 3, canViewAllChats: false, activeChats: 3 };

function routes(extra: MockRoute[] = []): MockRoute[] {
  return [
    ...extra,
    { path: /^\/api\/conversations\?view=/, body: [] },
    { path: '/api/desk/agents', body: [admin, li, zhao] },
  ];
}

const row = (username: string) => document.querySelector(`tr[data-agent="${username}"]`) as HTMLElement;
const presenceOf = (username: string) => within(row(username)).getByTestId('agent-presence');

async function openPage(extra: MockRoute[] = [], lang: 'zh' | 'en' = 'zh') {
  const mock = mockFetch(routes(extra));
  const desk = new FakeDesk();
  renderDesk({ user: adminUser, desk, route: '/agents', lang });
  await screen.findByText('李客服');
  return { ...mock, desk };
}

describe('agents page', () => {
  it('lists agents and admins with role, presence and load; explains capacity', async () => {
    await openPage();
    expect(screen.getByText(/设为 0 则不自动分配/)).toBeTruthy();

    const liRow = within(row('agent1'));
    expect(liRow.getByText('agent1')).toBeTruthy();
    expect(liRow.getByText('坐席')).toBeTruthy();
    expect(presenceOf('agent1').getAttribute('data-status')).toBe('away');
    expect(presenceOf('agent1').textContent).toBe('离开');
    expect(presenceOf('agent1').querySelector('.ant-badge-status-warning')).toBeTruthy();
    expect(liRow.getByTestId('agent-load').textContent).toContain('2 / 5');
    expect((liRow.getByLabelText('李客服 的接待上限') as HTMLInputElement).value).toBe('5');

    // No display name: the username stands in; offline is grey.
    const zhaoRow = within(row('zhao.qian'));
    expect(zhaoRow.getAllByText('zhao.qian')).toHaveLength(2);
    expect(presenceOf('zhao.qian').textContent).toBe('离线');
    expect(presenceOf('zhao.qian').querySelector('.ant-badge-status-default')).toBeTruthy();
    expect(zhaoRow.getByTestId('agent-load').textContent).toContain('3 / 3');

    const adminRow = within(row('admin'));
    expect(adminRow.getByText('管理员')).toBeTruthy();
    expect(adminRow.getByText('我')).toBeTruthy();
    expect(presenceOf('admin').textContent).toBe('在线');
    expect(presenceOf('admin').querySelector('.ant-badge-status-success')).toBeTruthy();
    expect(adminRow.getByText('不自动分配')).toBeTruthy();
  });

  it('saves an edited capacity with PUT and shows the server refusal, keeping the old value', async () => {
    const { calls } = await openPage([
      { method: 'PUT', path: `/api/desk/agents/${li.id}`, body: { ...li, capacity: 8 } },
      {
        method: 'PUT',
        path: `/api/desk/agents/${zhao.id}`,
        status: 404,
        body: { statusCode: 404, code: 'NOT_FOUND', message: 'user not found', messageZh: '用户不存在' },
      },
    ]);
    const input = screen.getByLabelText('李客服 的接待上限') as HTMLInputElement;
    fireEvent.change(input, { target: { value: '8' } });
    fireEvent.blur(input);
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe('/api/desk/agents/u-2');
    expect(put.body).toEqual({ capacity: 8 });
    await waitFor(() => expect(within(row('agent1')).getByTestId('agent-load').textContent).toContain('2 / 8'));
    expect(await screen.findByText('已保存 李客服 的接待上限：8')).toBeTruthy();

    // Unchanged value: nothing is sent.
    fireEvent.blur(screen.getByLabelText('李客服 的接待上限'));
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);

    const zhaoInput = screen.getByLabelText('zhao.qian 的接待上限') as HTMLInputElement;
    fireEvent.change(zhaoInput, { target: { value: '0' } });
    fireEvent.keyDown(zhaoInput, { key: 'Enter', code: 'Enter', keyCode: 13 });
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(2));
    expect(calls.filter((c) => c.method === 'PUT')[1]!.body).toEqual({ capacity: 0 });
    expect(await screen.findByText('保存接待上限失败: 用户不存在')).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText('zhao.qian 的接待上限') as HTMLInputElement).value).toBe('3'));
  });

  it('creates an agent (generated password shown once), shows a taken username on the field', async () => {
    let taken = true;
    const { calls, fetch } = await openPage();
    // First POST: 409; the second one succeeds.
    const original = fetch.getMockImplementation()!;
    fetch.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (input === '/api/users' && init?.method === 'POST') {
        calls.push({ method: 'POST', path: '/api/users', body: JSON.parse(init.body as string) as unknown, credentials: init.credentials });
        if (taken) {
          taken = false;
          return new Response(JSON.stringify({ statusCode: 409, code: 'USERNAME_TAKEN', message: 'username already exists', messageZh: '用户名已存在' }), { status: 409 });
        }
        return new Response(JSON.stringify({ id: 'u-9', username: 'sun.li', displayName: '孙丽', role: 'agent', createdAt: '2025-05-01T00:00:00.000Z' }), { status: 201 });
      }
      return original(input, init);
    });

    fireEvent.click(screen.getByTestId('agent-new'));
    const dialog = within(await screen.findByRole('dialog'));
    const username = dialog.getByLabelText('用户名');
    // The API's own rule is checked before sending.
    fireEvent.change(username, { target: { value: 'bad name!' } });
    expect(await dialog.findByText('用户名为 2–64 个字母、数字或 . _ @ -')).toBeTruthy();

    fireEvent.change(username, { target: { value: ' agent1 ' } });
    fireEvent.change(dialog.getByLabelText('显示名称'), { target: { value: '  ' } });
    fireEvent.click(dialog.getByTestId('agent-generate-password'));
    const shown = await dialog.findByTestId('agent-generated-password');
    const password = (dialog.getByLabelText('初始密码') as HTMLInputElement).value;
    expect(password).toHaveLength(16);
    expect(shown.textContent).toContain(password);
    expect(within(shown).getByRole('button', { name: /复制|copy/i })).toBeTruthy();

    fireEvent.click(screen.getByTestId('agent-form-submit'));
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/users')).toHaveLength(1));
    // Trimmed username, the default role, no empty display name.
    expect(calls.find((c) => c.path === '/api/users')!.body).toEqual({ username: 'agent1', password, role: 'agent' });
    expect(await dialog.findByText('用户名已存在')).toBeTruthy();
    expect(username.closest('.ant-form-item')!.className).toContain('ant-form-item-has-error');

    fireEvent.change(username, { target: { value: 'sun.li' } });
    fireEvent.change(dialog.getByLabelText('显示名称'), { target: { value: '孙丽' } });
    fireEvent.click(dialog.getByRole('radio', { name: '管理员' }));
    fireEvent.click(dialog.getByRole('radio', { name: '坐席' }));
    fireEvent.change(dialog.getByLabelText('初始密码'), { target: { value: 'Correct-Horse-9' } });
    // Typing over the generated password hides it.
    await waitFor(() => expect(dialog.queryByTestId('agent-generated-password')).toBeNull());
    const listsBefore = calls.filter((c) => c.path === '/api/desk/agents').length;
    fireEvent.click(screen.getByTestId('agent-form-submit'));
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/users')).toHaveLength(2));
    expect(calls.filter((c) => c.path === '/api/users')[1]!.body).toEqual({ username: 'sun.li', password: 'Correct-Horse-9', role: 'agent', displayName: '孙丽' });
    expect(await screen.findByText('已创建客服 孙丽')).toBeTruthy();
    // The list is fetched again so the new account shows with its presence and capacity.
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/desk/agents').length).toBeGreaterThan(listsBefore));

    // Reopened: an empty form, no trace of the earlier password.
    fireEvent.click(screen.getByTestId('agent-new'));
    const again = within(await screen.findByRole('dialog'));
    expect((again.getByLabelText('用户名') as HTMLInputElement).value).toBe('');
    expect((again.getByLabelText('初始密码') as HTMLInputElement).value).toBe('');
    expect(again.queryByTestId('agent-generated-password')).toBeNull();
  });

  it('refuses a short password before sending', async () => {
    const { calls } = await openPage();
    fireEvent.click(screen.getByTestId('agent-new'));
    const dialog = within(await screen.findByRole('dialog'));
    fireEvent.change(dialog.getByLabelText('用户名'), { target: { value: 'qian' } });
    fireEvent.change(dialog.getByLabelText('初始密码'), { target: { value: 'short' } });
    fireEvent.click(screen.getByTestId('agent-form-submit'));
    expect(await dialog.findByText('密码至少 8 个字符，最多 256 个')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/users')).toBe(false);
  });

  it('updates a presence badge and the load from presence.updated events; refetches after a reconnect', async () => {
    const { calls, desk } = await openPage();
    desk.connect();
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/desk/agents').length).toBeGreaterThanOrEqual(2));
    expect(presenceOf('agent1').textContent).toBe('离开');

    desk.emit({ type: 'presence.updated', agent: { ...li, status: 'online', activeChats: 3 } });
    await waitFor(() => expect(presenceOf('agent1').getAttribute('data-status')).toBe('online'));
    expect(presenceOf('agent1').textContent).toBe('在线');
    expect(within(row('agent1')).getByTestId('agent-load').textContent).toContain('3 / 5');
    // Rows keep their places.
    expect(Array.from(document.querySelectorAll('tr[data-agent]')).map((r) => r.getAttribute('data-agent'))).toEqual(['admin', 'agent1', 'zhao.qian']);

    // A user created elsewhere shows up.
    desk.emit({ type: 'presence.updated', agent: { id: 'u-7', username: 'zhou', displayName: '周周', role: 'agent', status: 'online', capacity: 2, canViewAllChats: false, activeChats: 0 } });
    expect(await screen.findByText('周周')).toBeTruthy();

    const before = calls.filter((c) => c.path === '/api/desk/agents').length;
    desk.disconnect();
    desk.connect();
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/desk/agents').length).toBeGreaterThanOrEqual(before + 2));
  });

  it('lets an admin grant an agent every chat with a switch (admins always have it), and shows a refusal', async () => {
    const { calls } = await openPage([
      { method: 'PUT', path: `/api/desk/agents/${li.id}`, body: { ...li, canViewAllChats: true } },
      { method: 'PUT', path: '/api/desk/agents/u-3', status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'user not found', messageZh: '用户不存在' } },
    ]);
    expect(within(row('admin')).getByText('管理员始终可查看')).toBeTruthy();
    const toggle = within(row('agent1')).getByRole('switch', { name: '允许 李客服 查看全部会话' });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(toggle);
    expect(await screen.findByText('李客服 现在可以查看全部会话')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT' && c.path === `/api/desk/agents/${li.id}`)!.body).toEqual({ canViewAllChats: true });
    await waitFor(() => expect(within(row('agent1')).getByRole('switch').getAttribute('aria-checked')).toBe('true'));

    fireEvent.click(within(row('zhao.qian')).getByRole('switch', { name: '允许 zhao.qian 查看全部会话' }));
    expect(await screen.findByText('保存失败: 用户不存在')).toBeTruthy();
    expect(within(row('zhao.qian')).getByRole('switch').getAttribute('aria-checked')).toBe('false');
  });

  it('is in the admin menu; agents neither see it nor reach it', async () => {
    mockFetch(routes());
    const desk = new FakeDesk();
    const first = renderDesk({ user: adminUser, desk, route: '/integrations' });
    fireEvent.click(await screen.findByRole('menuitem', { name: /客服/ }));
    expect(await screen.findByTestId('agents-page')).toBeTruthy();
    expect(document.querySelector('.ant-menu-item-selected')!.textContent).toBe('客服');
    first.unmount();

    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/agents' });
    expect(await screen.findByText('仅管理员可访问')).toBeTruthy();
    expect(screen.queryByTestId('agents-page')).toBeNull();
    expect(screen.queryByRole('menuitem', { name: /客服/ })).toBeNull();
  });

  it('is in English too', async () => {
    await openPage([], 'en');
    expect(screen.getByText(/0 = never auto-assigned/)).toBeTruthy();
    expect(presenceOf('agent1').textContent).toBe('Away');
    expect(screen.getByRole('button', { name: /New agent/ })).toBeTruthy();
  });
});
