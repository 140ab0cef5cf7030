import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { InboundSourceStatusView, PlatformDescriptor } from '@imbridge/contracts';
import { adminUser, wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';

const pullingDescriptor: PlatformDescriptor = { ...wecomDescriptor, capabilities: [...wecomDescriptor.capabilities, 'cursor-pull'] };

const statuses: InboundSourceStatusView[] = [
  {
    source: 'p:pull',
    label: { zh: '消息拉取', en: 'Message pull' },
    kind: 'cursor-pull',
    unit: 'acct-1',
    state: 'idle',
    holder: 'host-a:42',
    lastStartedAt: '2025-05-01T08:00:00.000Z',
    lastSuccessAt: '2025-05-01T08:00:01.000Z',
    lastError: null,
    detail: null,
  },
  {
    source: 'p:pull',
    label: { zh: '消息拉取', en: 'Message pull' },
    kind: 'cursor-pull',
    unit: 'acct-2',
    state: 'idle',
    holder: 'host-a:42',
    lastStartedAt: '2025-05-01T08:00:00.000Z',
    lastSuccessAt: null,
    lastError: { at: '2025-05-01T08:00:02.000Z', message: 'invalid cursor' },
    detail: null,
  },
];

const routes = (descriptor: PlatformDescriptor, body: InboundSourceStatusView[]) => [
  { path: '/api/platforms', body: [descriptor] },
  { path: '/api/integrations/int-1', body: wecomIntegration },
  { path: '/api/integrations/int-1/callbacks', body: { records: [], summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true }, setupOrder: { zh: [], en: [] } } },
  { path: '/api/integrations/int-1/inbound-sources', body },
];

describe('inbound sources card', () => {
  it('shows each unit of a pulling platform with its state, last success and last error', async () => {
    mockFetch(routes(pullingDescriptor, statuses));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    const card = await screen.findByTestId('inbound-sources');
    expect(within(card).getByText('消息拉取与长连接')).toBeTruthy();
    const ok = (await within(card).findByText('acct-1')).closest('tr') as HTMLElement;
    expect(within(ok).getByTestId('source-state').textContent).toBe('空闲');
    expect(within(ok).queryByTestId('source-error')).toBeNull();
    const failing = within(card).getByText('acct-2').closest('tr') as HTMLElement;
    expect(within(failing).getByTestId('source-error').textContent).toContain('invalid cursor');
    expect(failing.textContent).toContain('从未');
  });

  it('says so in English when nothing has run yet', async () => {
    mockFetch(routes(pullingDescriptor, []));
    renderApp({ route: '/integrations/int-1', user: adminUser, lang: 'en' });
    const card = await screen.findByTestId('inbound-sources');
    await waitFor(() => expect(card.textContent).toContain('Nothing has run yet'));
  });

  it('is not shown for a platform with callbacks only', async () => {
    const { calls } = mockFetch(routes(wecomDescriptor, statuses));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    await screen.findByTestId('never-reached');
    expect(screen.queryByTestId('inbound-sources')).toBeNull();
    expect(calls.some((c) => c.path.endsWith('/inbound-sources'))).toBe(false);
  });
});
