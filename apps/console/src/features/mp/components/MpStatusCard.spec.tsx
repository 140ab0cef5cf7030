import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { MpStatusView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { mockFetch, renderWithProviders, type MockRoute } from '../../../test/render';
import { MpStatusCard } from './MpStatusCard';

const path = '/api/integrations/int-mp/mp/status';

const status = (over: Partial<MpStatusView> = {}): MpStatusView => ({
  deliveryMode: 'customer-service',
  deliveryReason: { zh: '已认证的服务号可以使用客服消息接口', en: 'Verified service accounts have the customer-service API' },
  encryptionMode: 'safe',
  encryptionWarning: null,
  canUseMenu: true,
  canUseQrCodes: true,
  ...over,
});

function render(routes: MockRoute[], lang: 'zh' | 'en' = 'zh') {
  const mocked = mockFetch(routes);
  renderWithProviders(<MpStatusCard integrationId="int-mp" />, { lang });
  return mocked;
}

describe('MpStatusCard', () => {
  it('shows the customer-service mode with its reason and safe mode as fine', async () => {
    render([{ path, body: status() }]);
    const mode = await screen.findByTestId('mp-delivery-mode');
    expect(mode.textContent).toBe('客服消息接口');
    expect(screen.getByTestId('mp-delivery-reason').textContent).toBe('已认证的服务号可以使用客服消息接口');
    const encryption = screen.getByTestId('mp-encryption');
    expect(encryption.getAttribute('data-mode')).toBe('safe');
    expect(encryption.className).toContain('ant-alert-success');
    expect(screen.getByTestId('mp-encryption-mode').textContent).toBe('安全模式');
    expect(screen.getByTestId('mp-can-menu').textContent).toBe('自定义菜单');
  });

  it('warns about plain mode as an error, with the API’s warning, and explains passive delivery', async () => {
    render([
      {
        path,
        body: status({
          deliveryMode: 'passive',
          deliveryReason: { zh: '未认证的订阅号没有客服消息接口', en: 'Unverified subscription accounts have no customer-service API' },
          encryptionMode: 'plain',
          encryptionWarning: { zh: '明文模式下消息未加密，EncodingAESKey 不会被使用', en: 'Messages are not encrypted; the EncodingAESKey is unused' },
          canUseMenu: false,
          canUseQrCodes: false,
        }),
      },
    ]);
    const encryption = await screen.findByTestId('mp-encryption');
    expect(encryption.getAttribute('data-mode')).toBe('plain');
    expect(encryption.className).toContain('ant-alert-error');
    expect(encryption.textContent).toContain('明文模式不安全');
    expect(encryption.textContent).toContain('建议在公众号后台改用安全模式');
    expect(encryption.textContent).toContain('明文模式下消息未加密，EncodingAESKey 不会被使用');
    expect(screen.getByTestId('mp-delivery-mode').textContent).toBe('仅被动回复');
    expect(screen.getByTestId('mp-delivery-reason').textContent).toBe('未认证的订阅号没有客服消息接口');
    expect(screen.getByText(/等用户下次给公众号发消息时作为被动回复送达/)).toBeTruthy();
    expect(screen.getByTestId('mp-can-menu').textContent).toBe('自定义菜单（不可用）');
    expect(screen.getByTestId('mp-can-qr').textContent).toBe('带参数二维码（不可用）');
  });

  it('shows compatible mode as information, in English', async () => {
    render([{ path, body: status({ encryptionMode: 'compatible', encryptionWarning: { zh: '兼容模式', en: 'Plain text is still sent alongside' } }) }], 'en');
    const encryption = await screen.findByTestId('mp-encryption');
    expect(encryption.className).toContain('ant-alert-info');
    expect(encryption.textContent).toContain('Compatible mode');
    expect(encryption.textContent).toContain('Plain text is still sent alongside');
    expect(screen.getByTestId('mp-delivery-mode').textContent).toBe('Customer-service message API');
  });

  it('shows the API’s error when the status cannot be loaded, and reloads', async () => {
    const routes: MockRoute[] = [{ path, status: 404, body: { statusCode: 404, code: 'NOT_FOUND', message: 'Not an mp integration', messageZh: '不是公众号集成' } }];
    const { calls } = render(routes);
    const error = await screen.findByTestId('mp-status-load-error');
    expect(error.textContent).toContain('无法加载公众号状态');
    expect(error.textContent).toContain('不是公众号集成');
    routes[0] = { path, body: status() };
    fireEvent.click(screen.getByTestId('mp-status-reload'));
    await waitFor(() => expect(calls.filter((c) => c.path === path)).toHaveLength(2));
    expect(await screen.findByTestId('mp-delivery-mode')).toBeTruthy();
  });
});
