import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DeadLetterView } from '@imbridge/contracts';
import { adminUser, agentUser, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';

const otherIntegration = { ...wecomIntegration, id: 'int-2', name: '客服号 - 华南' };

const ipLetter: DeadLetterView = {
  messageId: '11111111-1111-4111-8111-111111111111',
  conversationId: 'c-1',
  integrationId: 'int-1',
  integrationName: '客服号 - 华东',
  contact: { externalId: 'zhangsan', displayName: '张三' },
  text: '<img src=x onerror=alert(1)> 订单已发货',
  type: 'text',
  attempts: 1,
  error: { code: 'CONFIG', message: 'WeCom message/send: 60020 not allow to access from your ip, from ip: 203.0.113.7', platformCode: '60020' },
  advice: {
    zh: '本服务器的出口 IP 不在企业可信IP中：请在应用详情页「企业可信IP」中加入 203.0.113.7。',
    en: 'This server\'s egress IP is not a trusted IP of the corp: add 203.0.113.7 under "Trusted corporate IP".',
  },
  failedAt: '2026-05-01T08:00:00.000Z',
};

const imageLetter: DeadLetterView = {
  ...ipLetter,
  messageId: '22222222-2222-4222-8222-222222222222',
  integrationId: 'int-2',
  integrationName: '客服号 - 华南',
  contact: { externalId: 'lisi', displayName: null },
  text: null,
  type: 'image',
  attempts: 8,
  error: { code: 'TEMPORARY', message: 'WeCom message/send: HTTP 502', platformCode: 'HTTP_502' },
  advice: null,
};

const listPath = /^\/api\/dead-letters\?/;

describe('dead letters page', () => {
  it('lists failed messages with error, advice and attempts, as inert text', async () => {
    mockFetch([
      { path: '/api/integrations', body: [wecomIntegration, otherIntegration] },
      { path: listPath, body: { items: [ipLetter, imageLetter], total: 2 } },
    ]);
    renderApp({ route: '/dead-letters', user: adminUser });

    const row = (await screen.findByText('zhangsan')).closest('tr') as HTMLElement;
    expect(within(row).getByText('客服号 - 华东')).toBeTruthy();
    expect(within(row).getByText('张三')).toBeTruthy();
    expect(within(row).getByText('CONFIG')).toBeTruthy();
    expect(within(row).getByText('60020')).toBeTruthy();
    expect(within(row).getByTestId('dead-letter-advice').textContent).toContain('企业可信IP');
    expect(within(row).getByText('1')).toBeTruthy();
    // Chat content is shown as text, never as markup.
    expect(within(row).getByText(/onerror=alert/)).toBeTruthy();
    expect(row.querySelector('img')).toBeNull();

    const other = screen.getByText('lisi').closest('tr') as HTMLElement;
    expect(within(other).getByText('[image]')).toBeTruthy();
    expect(within(other).getByText('8')).toBeTruthy();
    expect(within(other).getByText('HTTP_502')).toBeTruthy();
  });

  it('shows English texts and advice in English', async () => {
    mockFetch([
      { path: '/api/integrations', body: [wecomIntegration] },
      { path: listPath, body: { items: [ipLetter], total: 1 } },
    ]);
    renderApp({ route: '/dead-letters', user: adminUser, lang: 'en' });
    expect(await screen.findByText('Failed messages')).toBeTruthy();
    expect((await screen.findByTestId('dead-letter-advice')).textContent).toContain('Trusted corporate IP');
  });

  it('filters by integration', async () => {
    const { calls } = mockFetch([
      { path: '/api/integrations', body: [wecomIntegration, otherIntegration] },
      { path: /^\/api\/dead-letters\?limit=20&offset=0$/, body: { items: [ipLetter, imageLetter], total: 2 } },
      { path: /integrationId=int-2/, body: { items: [imageLetter], total: 1 } },
    ]);
    renderApp({ route: '/dead-letters', user: adminUser });
    await screen.findByText('zhangsan');

    const select = screen.getByTestId('dead-letters-filter');
    fireEvent.mouseDown(select.querySelector('.ant-select-selector') ?? select);
    fireEvent.click(await screen.findByTitle('客服号 - 华南'));

    await waitFor(() => expect(screen.queryByText('zhangsan')).toBeNull());
    expect(screen.getByText('lisi')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/dead-letters?limit=20&offset=0&integrationId=int-2')).toBe(true);
  });

  it('re-sends one after confirmation, and reloads', async () => {
    const { calls } = mockFetch([
      { path: '/api/integrations', body: [wecomIntegration] },
      { path: listPath, body: { items: [ipLetter], total: 1 } },
      { method: 'POST', path: `/api/dead-letters/${ipLetter.messageId}/retry`, body: { id: ipLetter.messageId, status: 'queued' } },
    ]);
    renderApp({ route: '/dead-letters', user: adminUser });
    await screen.findByText('zhangsan');
    const listed = calls.filter((c) => c.method === 'GET' && listPath.test(c.path)).length;

    fireEvent.click(screen.getByTestId('dead-letter-retry'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false); // nothing before the confirmation
    fireEvent.click(await screen.findByRole('button', { name: '重新发送' }));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === `/api/dead-letters/${ipLetter.messageId}/retry`)).toBe(true));
    expect(await screen.findByText('已重新加入发送队列')).toBeTruthy();
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && listPath.test(c.path)).length).toBeGreaterThan(listed));
  });

  it('re-sends all of the filtered integration after confirmation', async () => {
    const { calls } = mockFetch([
      { path: '/api/integrations', body: [wecomIntegration, otherIntegration] },
      { path: /^\/api\/dead-letters\?limit=20&offset=0$/, body: { items: [ipLetter, imageLetter], total: 2 } },
      { path: /integrationId=int-1/, body: { items: [ipLetter], total: 1 } },
      { method: 'POST', path: '/api/dead-letters/retry-all', body: { retried: 1 } },
    ]);
    renderApp({ route: '/dead-letters', user: adminUser });
    await screen.findByText('lisi');
    const select = screen.getByTestId('dead-letters-filter');
    fireEvent.mouseDown(select.querySelector('.ant-select-selector') ?? select);
    fireEvent.click(await screen.findByTitle('客服号 - 华东'));
    await waitFor(() => expect(screen.queryByText('lisi')).toBeNull());

    fireEvent.click(screen.getByTestId('dead-letters-retry-all'));
    expect(await screen.findByText('确定重新发送「客服号 - 华东」的 1 条失败消息吗？请先确认已修正失败原因。')).toBeTruthy();
    // The trigger is named "redo 全部重新发送" (icon label); the exact name is the confirmation's OK.
    fireEvent.click(screen.getByRole('button', { name: '全部重新发送' }));

    await waitFor(() => expect(calls.find((c) => c.method === 'POST' && c.path === '/api/dead-letters/retry-all')?.body).toEqual({ integrationId: 'int-1' }));
    expect(await screen.findByText('已重新加入发送队列：1 条')).toBeTruthy();
  });

  it('shows an empty state, and retry-all is disabled', async () => {
    mockFetch([
      { path: '/api/integrations', body: [wecomIntegration] },
      { path: listPath, body: { items: [], total: 0 } },
    ]);
    renderApp({ route: '/dead-letters', user: adminUser });
    expect(await screen.findByText('没有发送失败的消息')).toBeTruthy();
    expect((screen.getByTestId('dead-letters-retry-all') as HTMLButtonElement).disabled).toBe(true);
  });

  it('is for admins only', async () => {
    const { calls } = mockFetch([{ path: listPath, status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'admins only' } }]);
    renderApp({ route: '/dead-letters', user: agentUser });
    await waitFor(() => expect(screen.queryByTestId('dead-letters-page')).toBeNull());
    expect(calls.some((c) => listPath.test(c.path))).toBe(false);
  });
});
