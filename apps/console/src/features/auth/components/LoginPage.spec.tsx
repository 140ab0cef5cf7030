import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LANG_STORAGE_KEY } from '../../../i18n';
import { adminUser, wecomDescriptor } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';

function fillAndSubmit(username: string, password: string, submitName = /登\s*录/) {
  fireEvent.change(screen.getByLabelText(/用户名|Username/), { target: { value: username } });
  fireEvent.change(screen.getByLabelText(/密码|Password/), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: submitName }));
}

describe('LoginPage', () => {
  it('signs in with the session cookie and goes to /integrations', async () => {
    const { calls } = mockFetch([
      { method: 'POST', path: '/api/auth/login', body: { accessToken: 'not-stored', user: adminUser } },
      { path: '/api/integrations', body: [] },
      { path: '/api/platforms', body: [wecomDescriptor] },
    ]);
    renderApp({ route: '/login', user: null });
    fillAndSubmit(' admin ', 's3cret!');

    expect(await screen.findByRole('heading', { name: '集成' })).toBeTruthy();
    expect(screen.getByTestId('current-user').textContent).toBe('王小明');
    const login = calls.find((c) => c.path === '/api/auth/login')!;
    expect(login.body).toEqual({ username: 'admin', password: 's3cret!' });
    expect(login.credentials).toBe('same-origin');
    expect(JSON.stringify(window.localStorage)).not.toContain('not-stored');
  });

  it('says the credentials are wrong on 401', async () => {
    mockFetch([
      { method: 'POST', path: '/api/auth/login', status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' } },
    ]);
    renderApp({ route: '/login', user: null });
    fillAndSubmit('admin', 'wrong');
    expect(await screen.findByText('用户名或密码错误')).toBeTruthy();
    // Still on the login page.
    expect(screen.getByRole('button', { name: /登\s*录/ })).toBeTruthy();
  });

  it('shows the server message on 429, in the chosen language', async () => {
    mockFetch([
      {
        method: 'POST',
        path: '/api/auth/login',
        status: 429,
        body: {
          statusCode: 429,
          code: 'TOO_MANY_ATTEMPTS',
          message: 'Too many failed sign-ins. Try again in 15 minutes.',
          messageZh: '登录失败次数过多，请 15 分钟后再试',
        },
      },
    ]);
    renderApp({ route: '/login', user: null });
    fillAndSubmit('admin', 'wrong');
    expect(await screen.findByText('登录失败次数过多，请 15 分钟后再试')).toBeTruthy();

    fireEvent.click(screen.getByText('English'));
    fillAndSubmit('admin', 'wrong', /Sign in/);
    expect(await screen.findByText('Too many failed sign-ins. Try again in 15 minutes.')).toBeTruthy();
  });

  it('switches language, remembers the choice, and asks for missing fields', async () => {
    mockFetch([]);
    renderApp({ route: '/login', user: null });
    expect(screen.getByText('登录控制台')).toBeTruthy();

    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('Sign in to the console')).toBeTruthy();
    expect(screen.queryByText('登录控制台')).toBeNull();
    expect(window.localStorage.getItem(LANG_STORAGE_KEY)).toBe('en');
    expect(document.documentElement.lang).toBe('en');

    fireEvent.click(screen.getByRole('button', { name: /Sign in/ }));
    expect(await screen.findByText('Enter your username')).toBeTruthy();

    fireEvent.click(screen.getByText('中文'));
    await waitFor(() => expect(screen.getByText('登录控制台')).toBeTruthy());
    expect(window.localStorage.getItem(LANG_STORAGE_KEY)).toBe('zh');
  });
});
