import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser } from '../../../test/fixtures';
import { mockFetch } from '../../../test/render';
import { FakeDesk, need, renderDesk } from '../testing/fakeDesk';

const hello = { id: 'r1', shortcut: 'hello', title: '问候', text: '您好，<b>请问</b>有什么可以帮您？', updatedAt: '2025-05-01T00:00:00.000Z' };

describe('canned replies page', () => {
  it('agents see the list but cannot edit', async () => {
    mockFetch([{ path: '/api/canned-replies', body: [hello] }]);
    renderDesk({ user: agentUser, desk: new FakeDesk(), route: '/canned-replies' });
    expect(await screen.findByText('/hello')).toBeTruthy();
    // Rendered as text.
    expect(screen.getByText('您好，<b>请问</b>有什么可以帮您？')).toBeTruthy();
    expect(screen.getByText('只有管理员可以新建、修改和删除快捷回复。')).toBeTruthy();
    expect(screen.queryByTestId('canned-new')).toBeNull();
    expect(document.querySelector('button[aria-label="编辑"]')).toBeNull();
  });

  it('admins create (validating the shortcut), edit and delete', async () => {
    const created = { id: 'r2', shortcut: 'bye', title: '结束语', text: '再见', updatedAt: '2025-05-02T00:00:00.000Z' };
    const { calls } = mockFetch([
      { path: '/api/canned-replies', body: [hello] },
      { method: 'POST', path: '/api/canned-replies', status: 201, body: created },
      { method: 'PUT', path: '/api/canned-replies/r1', body: { ...hello, text: '您好！' } },
      { method: 'DELETE', path: '/api/canned-replies/r1', status: 204 },
    ]);
    renderDesk({ user: adminUser, desk: new FakeDesk(), route: '/canned-replies' });
    await screen.findByText('/hello');

    fireEvent.click(screen.getByTestId('canned-new'));
    const modal = await waitFor(() => need('.ant-modal'));
    const inputs = modal.querySelectorAll('input');
    const ok = () => modal.querySelector('.ant-modal-footer .ant-btn-primary') as HTMLElement;
    fireEvent.change(inputs[0], { target: { value: 'bad shortcut!' } });
    fireEvent.change(modal.querySelector('textarea')!, { target: { value: '再见' } });
    fireEvent.click(ok());
    await waitFor(() => expect(modal.querySelector('.ant-form-item-explain-error')?.textContent).toBe('1–32 位英文字母、数字、- 或 _'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(inputs[0], { target: { value: 'bye' } });
    fireEvent.change(inputs[1], { target: { value: '结束语' } });
    fireEvent.click(ok());
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ shortcut: 'bye', title: '结束语', text: '再见' });
    expect(await screen.findByText('/bye')).toBeTruthy();

    const row = () => screen.getByText('/hello').closest('tr') as HTMLElement;
    fireEvent.click(row().querySelector('button[aria-label="编辑"]')!);
    await waitFor(() => expect((modal.querySelector('textarea') as HTMLTextAreaElement).value).toBe(hello.text));
    fireEvent.change(modal.querySelector('textarea')!, { target: { value: '您好！' } });
    fireEvent.click(ok());
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ shortcut: 'hello', title: '问候', text: '您好！' });
    await waitFor(() => expect(row().textContent).toContain('您好！'));

    fireEvent.click(row().querySelector('button[aria-label="删除"]')!);
    const confirm = await waitFor(() => need('.ant-popconfirm .ant-btn-primary'));
    fireEvent.click(confirm);
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/canned-replies/r1')).toBe(true));
    await waitFor(() => expect(screen.queryByText('/hello')).toBeNull());
  });

  it('shows the server message when the shortcut is taken (409)', async () => {
    mockFetch([
      { path: '/api/canned-replies', body: [hello] },
      { method: 'POST', path: '/api/canned-replies', status: 409, body: { statusCode: 409, code: 'CONFLICT', message: 'Shortcut already used', messageZh: '快捷码已被使用' } },
    ]);
    renderDesk({ user: adminUser, desk: new FakeDesk(), route: '/canned-replies' });
    await screen.findByText('/hello');
    fireEvent.click(screen.getByTestId('canned-new'));
    const modal = await waitFor(() => need('.ant-modal'));
    fireEvent.change(modal.querySelectorAll('input')[0], { target: { value: 'hello' } });
    fireEvent.change(modal.querySelector('textarea')!, { target: { value: 'x' } });
    fireEvent.click(modal.querySelector('.ant-modal-footer .ant-btn-primary')!);
    await waitFor(() => expect(modal.textContent).toContain('保存失败: 快捷码已被使用'));
  });
});
