import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { MpQrCodeView } from '@imbridge/contracts';
import { describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders, type MockRoute } from '../../../test/render';
import { MpQrCodesCard } from './MpQrCodesCard';

const base = '/api/integrations/int-mp/mp/qrcodes';

const poster: MpQrCodeView = {
  id: 'qr-1',
  name: '门店海报',
  scene: 'poster_2026',
  permanent: true,
  url: 'http://weixin.qq.com/q/02POSTER',
  imageUrl: 'https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=TICKET1',
  expiresAt: null,
  welcomeText: '欢迎光临，回复 1 查看门店地址',
  createdAt: '2026-11-20T08:00:00.000Z',
};

const event: MpQrCodeView = {
  ...poster,
  id: 'qr-2',
  name: '展会活动',
  scene: 'expo',
  permanent: false,
  url: 'http://weixin.qq.com/q/02EXPO',
  expiresAt: '2099-12-01T08:00:00.000Z',
  welcomeText: null,
};

function render(routes: MockRoute[], lang: 'zh' | 'en' = 'zh') {
  const mocked = mockFetch(routes);
  renderWithProviders(<MpQrCodesCard integrationId="int-mp" />, { lang });
  return mocked;
}

const row = async (scene: string) =>
  waitFor(() => {
    const found = document.querySelector(`[data-testid="mp-qr"][data-scene="${scene}"]`);
    if (!found) throw new Error(`no row ${scene}`);
    return found as HTMLElement;
  });

describe('MpQrCodesCard', () => {
  it('lists codes with name, scene, kind, expiry, welcome text, a drawn QR code, copyable link and the official image', async () => {
    render([{ path: base, body: [poster, event] }]);
    const p = await row('poster_2026');
    expect(within(p).getByTestId('mp-qr-name').textContent).toBe('门店海报');
    expect(within(p).getByTestId('mp-qr-kind').textContent).toBe('永久二维码');
    expect(within(p).queryByTestId('mp-qr-expiry')).toBeNull();
    expect(within(p).getByTestId('mp-qr-welcome').textContent).toContain('欢迎光临，回复 1 查看门店地址');
    expect(within(p).getByTestId('mp-qr-image').querySelector('canvas')).toBeTruthy();
    expect(within(p).getByTestId('mp-qr-url').textContent).toContain('http://weixin.qq.com/q/02POSTER');
    expect(within(p).getByTestId('mp-qr-url').querySelector('.ant-typography-copy')).toBeTruthy();
    const official = within(p).getByTestId('mp-qr-official');
    expect(official.getAttribute('href')).toBe(poster.imageUrl);
    expect(official.getAttribute('rel')).toContain('noopener');

    const e = await row('expo');
    expect(within(e).getByTestId('mp-qr-kind').textContent).toBe('临时二维码');
    expect(within(e).getByTestId('mp-qr-expiry').textContent).toContain('过期');
    expect(within(e).getByTestId('mp-qr-welcome').textContent).toContain('使用默认欢迎语');
  });

  it('renders in English, and an empty list', async () => {
    render([{ path: base, body: [] }], 'en');
    expect((await screen.findByTestId('mp-qr-empty')).textContent).toContain('No parameterized QR codes yet');
    expect(screen.getByText('Create QR code')).toBeTruthy();
  });

  it('checks the form before sending, then creates a temporary code (days → seconds) with a welcome text', async () => {
    const created: MpQrCodeView = { ...event, id: 'qr-3', name: '双十一', scene: 'double11', welcomeText: '双十一快乐' };
    const { calls } = render([
      { path: base, body: [poster] },
      { method: 'POST', path: base, status: 201, body: created },
    ]);
    await row('poster_2026');
    const form = screen.getByTestId('mp-qr-form');
    fireEvent.change(within(form).getByLabelText('场景值'), { target: { value: 'bad scene!' } });
    fireEvent.click(screen.getByTestId('mp-qr-create'));
    expect(await within(form).findByText('场景值为 1–64 位英文字母、数字、_ 或 -')).toBeTruthy();
    expect(within(form).getByText('请填写名称（仅在控制台显示）')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(within(form).getByLabelText('名称'), { target: { value: '双十一' } });
    fireEvent.change(within(form).getByLabelText('场景值'), { target: { value: 'double11' } });
    fireEvent.change(within(form).getByLabelText('有效天数'), { target: { value: '7' } });
    fireEvent.change(within(form).getByLabelText('欢迎语'), { target: { value: '双十一快乐' } });
    fireEvent.click(screen.getByTestId('mp-qr-create'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: '双十一', scene: 'double11', permanent: false, expireSeconds: 7 * 86_400, welcomeText: '双十一快乐' });
    expect(await row('double11')).toBeTruthy();
    expect(screen.getAllByTestId('mp-qr')).toHaveLength(2);
  });

  it('a permanent code has no expiry field; a taken scene shows on the scene field', async () => {
    const { calls } = render([
      { path: base, body: [] },
      { method: 'POST', path: base, status: 409, body: { statusCode: 409, code: 'SCENE_TAKEN', message: 'The scene poster_2026 is taken', messageZh: '场景值 poster_2026 已被其他二维码使用' } },
    ]);
    await screen.findByTestId('mp-qr-empty');
    const form = screen.getByTestId('mp-qr-form');
    fireEvent.click(within(form).getByTestId('mp-qr-permanent'));
    await waitFor(() => expect(within(form).queryByLabelText('有效天数')).toBeNull());
    fireEvent.change(within(form).getByLabelText('名称'), { target: { value: '海报' } });
    fireEvent.change(within(form).getByLabelText('场景值'), { target: { value: 'poster_2026' } });
    fireEvent.click(screen.getByTestId('mp-qr-create'));
    expect(await within(form).findByText('场景值 poster_2026 已被其他二维码使用')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: '海报', scene: 'poster_2026', permanent: true, welcomeText: null });
  });

  it('shows other API errors in the current language', async () => {
    render(
      [
        { path: base, body: [] },
        { method: 'POST', path: base, status: 502, body: { statusCode: 502, code: 'PLATFORM_ERROR', message: 'api unauthorized', messageZh: '没有二维码接口权限' } },
      ],
      'en',
    );
    await screen.findByTestId('mp-qr-empty');
    const form = screen.getByTestId('mp-qr-form');
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Poster' } });
    fireEvent.change(within(form).getByLabelText('Scene'), { target: { value: 'poster' } });
    fireEvent.click(screen.getByTestId('mp-qr-create'));
    expect((await screen.findByTestId('mp-qr-create-error')).textContent).toContain('Could not create the QR code: api unauthorized');
  });

  it('edits the welcome text inline', async () => {
    const { calls } = render([
      { path: base, body: [poster, event] },
      { method: 'PATCH', path: `${base}/qr-2`, body: { ...event, welcomeText: '欢迎来到展会' } },
    ]);
    const e = await row('expo');
    fireEvent.click(within(e).getByTestId('mp-qr-welcome-edit'));
    fireEvent.change(within(e).getByTestId('mp-qr-welcome-input'), { target: { value: '欢迎来到展会' } });
    fireEvent.click(within(e).getByTestId('mp-qr-welcome-save'));
    await waitFor(() => expect(within(e).getByTestId('mp-qr-welcome').textContent).toContain('欢迎来到展会'));
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ welcomeText: '欢迎来到展会' });
  });

  it('downloads the drawn code as a PNG, and deletes a permanent code after a warning that it keeps working', async () => {
    const { calls } = render([
      { path: base, body: [poster, event] },
      { method: 'DELETE', path: `${base}/qr-1`, status: 204 },
    ]);
    const p = await row('poster_2026');
    const toDataURL = vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockReturnValue('data:image/png;base64,AAAA');
    const clicks: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ href: this.href, download: this.download });
    });
    fireEvent.click(within(p).getByTestId('mp-qr-download'));
    expect(toDataURL).toHaveBeenCalledWith('image/png');
    expect(clicks).toEqual([{ href: 'data:image/png;base64,AAAA', download: 'mp-qr-poster_2026.png' }]);

    fireEvent.click(within(p).getByTestId('mp-qr-delete'));
    expect(await screen.findByText(/永久二维码在微信上会一直有效/)).toBeTruthy();
    fireEvent.click(await screen.findByTestId('mp-qr-delete-confirm'));
    await waitFor(() => expect(document.querySelector('[data-scene="poster_2026"]')).toBeNull());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `${base}/qr-1`)).toBe(true);
    expect(await row('expo')).toBeTruthy();
  });

  it('shows an error when the list cannot be loaded', async () => {
    render([{ path: base, status: 403, body: { statusCode: 403, code: 'FORBIDDEN', message: 'QR codes need a service account', messageZh: '带参数二维码需要服务号' } }]);
    const error = await screen.findByTestId('mp-qr-load-error');
    expect(error.textContent).toContain('无法加载二维码');
    expect(error.textContent).toContain('带参数二维码需要服务号');
  });
});
