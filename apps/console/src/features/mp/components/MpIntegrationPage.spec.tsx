import { screen } from '@testing-library/react';
import type { IntegrationView, PlatformDescriptor } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { adminUser, wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp, type MockRoute } from '../../../test/render';

const mpDescriptor: PlatformDescriptor = {
  ...wecomDescriptor,
  id: 'mp',
  name: { zh: '公众号', en: 'Official Account' },
  fields: [
    ...wecomDescriptor.fields.filter((f) => f.name !== 'agentId'),
    {
      name: 'welcomeText',
      label: { zh: '关注欢迎语', en: 'Welcome text' },
      type: 'string',
      required: false,
      secret: false,
      multiline: true,
    },
  ],
};

const mpIntegration: IntegrationView = {
  ...wecomIntegration,
  platform: 'mp',
  name: '服务号 - 总部',
  config: { ...wecomIntegration.config, welcomeText: '感谢关注！\n回复 1 查看门店' },
  callbackUrl: 'https://imbridge.example.com/callbacks/mp/int-1',
};

const mpBase = '/api/integrations/int-1/mp';

const pageRoutes = (integration: IntegrationView): MockRoute[] => [
  { path: '/api/platforms', body: [wecomDescriptor, mpDescriptor] },
  { path: '/api/integrations/int-1', body: integration },
  { path: '/api/integrations/int-1/callbacks', body: { records: [], summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true }, setupOrder: { zh: [], en: [] } } },
  { path: '/api/integrations/int-1/bot', status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'no' } },
  {
    path: `${mpBase}/status`,
    body: {
      deliveryMode: 'passive',
      deliveryReason: { zh: '未认证的订阅号没有客服消息接口', en: 'Unverified subscription accounts have no customer-service API' },
      encryptionMode: 'plain',
      encryptionWarning: { zh: '请改用安全模式', en: 'Use safe mode' },
      canUseMenu: false,
      canUseQrCodes: false,
    },
  },
  { path: `${mpBase}/menu`, body: { draft: null, published: null, publishedAt: null, canPublish: false, platformError: null } },
  { path: `${mpBase}/qrcodes`, body: [] },
];

describe('the 公众号 integration edit page', () => {
  it('mounts the status, menu and QR code cards, keeps the callback URL, and renders multiline fields as text areas', async () => {
    mockFetch(pageRoutes(mpIntegration));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    expect(await screen.findByTestId('mp-status-card')).toBeTruthy();
    expect(await screen.findByTestId('mp-menu-card')).toBeTruthy();
    expect(await screen.findByTestId('mp-qrcodes-card')).toBeTruthy();
    expect((await screen.findByTestId('mp-encryption')).textContent).toContain('明文模式不安全');
    expect(await screen.findByTestId('mp-menu-cannot-publish')).toBeTruthy();
    expect(await screen.findByTestId('mp-qr-empty')).toBeTruthy();
    expect(screen.getAllByText('https://imbridge.example.com/callbacks/mp/int-1').length).toBeGreaterThan(0);
    const welcome = screen.getByTestId('multiline-welcomeText');
    expect(welcome.tagName).toBe('TEXTAREA');
    expect((welcome as HTMLTextAreaElement).value).toBe('感谢关注！\n回复 1 查看门店');
  });

  it('does not mount them for other platforms', async () => {
    mockFetch(pageRoutes(wecomIntegration));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    await screen.findAllByText('客服号 - 华东');
    expect(screen.queryByTestId('mp-status-card')).toBeNull();
    expect(screen.queryByTestId('mp-menu-card')).toBeNull();
  });
});
