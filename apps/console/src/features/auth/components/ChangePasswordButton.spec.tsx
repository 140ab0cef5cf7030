import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { agentUser } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';

async function openDialog(): Promise<HTMLElement> {
  fireEvent.click(await screen.findByTestId('change-password'));
  return screen.findByRole('dialog');
}

function fill(dialog: HTMLElement, current: string, next: string, confirm = next): void {
  fireEvent.change(within(dialog).getByLabelText('当前密码'), { target: { value: current } });
  fireEvent.change(within(dialog).getByLabelText('新密码'), { target: { value: next } });
  fireEvent.change(within(dialog).getByLabelText('确认新密码'), { target: { value: confirm } });
  fireEvent.click(within(dialog).getByRole('button', { name: /保\s*存/ }));
}

const CONVERSATIONS = [
  { path: '/api/conversations', body: [] },
  { path: '/api/desk/presence', body: { online: true } },
];

describe('ChangePasswordButton', () => {
  it('changes the password from the header and says other sessions ended', async () => {
    const { calls } = mockFetch([...CONVERSATIONS, { method: 'POST', path: '/api/auth/password', body: { accessToken: 'ignored', user: agentUser } }]);
    renderApp({ route: '/conversations', user: agentUser });
    const dialog = await openDialog();
    fill(dialog, 'old-password', 'new-password-1');
    expect(await screen.findByText('密码已修改，其他设备上的登录已退出')).toBeTruthy();
    const call = calls.find((c) => c.path === '/api/auth/password')!;
    expect(call.body).toEqual({ currentPassword: 'old-password', newPassword: 'new-password-1' });
  });

  it('checks the new password before asking the server: too short, or the two differ', async () => {
    const { calls } = mockFetch(CONVERSATIONS);
    renderApp({ route: '/conversations', user: agentUser });
    const dialog = await openDialog();
    fill(dialog, 'old-password', 'short');
    expect(await within(dialog).findByText('新密码至少 8 个字符')).toBeTruthy();
    fill(dialog, 'old-password', 'long-enough-1', 'long-enough-2');
    expect(await within(dialog).findByText('两次输入的新密码不一致')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/auth/password')).toBe(false);
  });

  it('marks a wrong current password on its field', async () => {
    mockFetch([
      ...CONVERSATIONS,
      { method: 'POST', path: '/api/auth/password', status: 400, body: { statusCode: 400, code: 'BAD_CREDENTIALS', message: 'the current password is wrong', messageZh: '当前密码不正确' } },
    ]);
    renderApp({ route: '/conversations', user: agentUser });
    const dialog = await openDialog();
    fill(dialog, 'wrong', 'new-password-1');
    expect(await within(dialog).findByText('当前密码不正确')).toBeTruthy();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it("shows the limiter's message when there were too many wrong attempts", async () => {
    mockFetch([
      ...CONVERSATIONS,
      { method: 'POST', path: '/api/auth/password', status: 429, body: { statusCode: 429, code: 'TOO_MANY_ATTEMPTS', message: 'too many failed attempts, try again in 60 s', messageZh: '失败次数过多，请 60 秒后再试' } },
    ]);
    renderApp({ route: '/conversations', user: agentUser });
    const dialog = await openDialog();
    fill(dialog, 'wrong-again', 'new-password-1');
    expect(await within(dialog).findByText('失败次数过多，请 60 秒后再试')).toBeTruthy();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });
});
