import { screen } from '@testing-library/react';
import type { MessageView } from '@imbridge/contracts';
import { describe, expect, it, vi } from 'vitest';
import { messageFixture } from '../../desk/testing/fakeDesk';
import { renderWithProviders } from '../../../test/render';
import { MessageItem } from './MessageItem';

function show(message: MessageView, lang: 'zh' | 'en' = 'zh', platform?: string) {
  return renderWithProviders(<MessageItem message={message} canRetry={false} retrying={false} onRetry={vi.fn()} platform={platform} />, { lang });
}

/** A 公众号 event as the inbox stores it (content = the normalized message minus text/type/sender). */
const mpEvent = (id: string, name: string, key?: string, extra: Record<string, string> = {}, more: Record<string, unknown> = {}): MessageView =>
  messageFixture({
    id,
    type: 'event',
    text: null,
    content: {
      event: { name, ...(key === undefined ? {} : { key }) },
      extra: { ToUserName: 'gh_0123456789ab', MsgType: 'event', Event: name, ...(key === undefined ? {} : { EventKey: key }), ...extra },
      sentAt: '2025-05-01T08:00:00.000Z',
      ...more,
    },
  });

const eventText = (): string => screen.getByTestId('msg-event').textContent ?? '';

describe('MessageItem', () => {
  it('shows a held answer as waiting for the user’s next message, in zh and en', () => {
    const held = messageFixture({ id: 'm-held', direction: 'out', text: '我们已收到您的问题', status: 'held' });
    const { unmount } = show(held);
    const status = screen.getByTestId('msg-status');
    expect(status.getAttribute('data-status')).toBe('held');
    expect(status.textContent).toBe('待用户下次发消息时送达');
    unmount();
    show(held, 'en');
    expect(screen.getByTestId('msg-status').textContent).toBe("Delivered with the user's next message");
  });

  it('renders 公众号 subscribe (with the QR scene), unsubscribe, SCAN, CLICK, VIEW, LOCATION and TEMPLATESENDJOBFINISH as system lines', () => {
    const cases: [MessageView, string][] = [
      [mpEvent('e1', 'subscribe', 'qrscene_poster_2026', { scene: 'poster_2026' }), '用户扫描二维码「poster_2026」关注了公众号'],
      [mpEvent('e2', 'subscribe'), '用户关注了公众号'],
      [mpEvent('e3', 'unsubscribe'), '用户取消关注了公众号'],
      [mpEvent('e4', 'SCAN', 'shop_a', { scene: 'shop_a', Ticket: 'T' }), '已关注的用户扫描了二维码「shop_a」'],
      [mpEvent('e5', 'CLICK', 'V1001_TODAY_MUSIC'), '用户点击了菜单（key：V1001_TODAY_MUSIC）'],
      [mpEvent('e6', 'VIEW', 'https://example.com/shop'), '用户点击菜单打开网页 https://example.com/shop'],
      [mpEvent('e7', 'LOCATION', undefined, { Latitude: '23.137466', Longitude: '113.352425', Precision: '119.385040' }, { location: { latitude: '23.137466', longitude: '113.352425' } }), '用户上报了地理位置（纬度 23.137466，经度 113.352425）'],
      [mpEvent('e8', 'TEMPLATESENDJOBFINISH', undefined, { MsgID: '200163836', Status: 'failed:user block' }), '模板消息发送结果：用户拒收'],
      [mpEvent('e9', 'TEMPLATESENDJOBFINISH', undefined, { MsgID: '200163837', Status: 'success' }), '模板消息发送结果：成功'],
    ];
    for (const [message, expected] of cases) {
      const { unmount } = show(message);
      expect(eventText()).toContain(expected);
      unmount();
    }
  });

  it('speaks English too', () => {
    show(mpEvent('e1', 'subscribe', 'qrscene_poster_2026', { scene: 'poster_2026' }), 'en');
    expect(eventText()).toContain('The user followed the Official Account by scanning QR code “poster_2026”');
  });

  it('leaves WeCom app events (same names, no MsgType kept, AgentID) to the generic line', () => {
    const wecom = messageFixture({ id: 'w1', type: 'event', text: null, content: { event: { name: 'subscribe' }, extra: { AgentID: '1000002', Event: 'subscribe' } } });
    show(wecom);
    expect(eventText()).toContain('事件：subscribe');
    expect(eventText()).not.toContain('公众号');
  });

  it('the platform, when given, decides', () => {
    show(messageFixture({ id: 'x', type: 'event', text: null, content: { event: { name: 'CLICK', key: 'K1' } } }), 'zh', 'mp');
    expect(eventText()).toContain('用户点击了菜单（key：K1）');
  });

  it('renders 公众号 voice with its recognition text, location with label and coordinates, and links safely', () => {
    const voice = messageFixture({ id: 'v', type: 'voice', text: '我想查一下订单', content: { media: { mediaId: 'MEDIA1', format: 'amr' }, extra: { MsgType: 'voice' } } });
    const { unmount } = show(voice);
    expect(screen.getByTestId('msg-voice-text').textContent).toBe('语音识别：我想查一下订单');
    expect(screen.getByText('[语音]')).toBeTruthy();
    unmount();

    const location = messageFixture({ id: 'l', type: 'location', text: null, content: { location: { latitude: '23.134521', longitude: '113.358803', scale: '20', label: '广州市天河区' }, extra: { MsgType: 'location' } } });
    const second = show(location, 'en');
    expect(screen.getByTestId('msg-location').textContent).toContain('广州市天河区');
    expect(screen.getByTestId('msg-location-coordinates').textContent).toBe('Latitude 23.134521, longitude 113.358803');
    second.unmount();

    const link = messageFixture({
      id: 'k',
      type: 'link',
      text: null,
      content: { link: { title: '公众平台官网链接', description: '公众平台官网链接', url: 'https://mp.weixin.qq.com/s/abc' }, extra: { MsgType: 'link' } },
    });
    show(link);
    const anchor = screen.getByText('公众平台官网链接', { selector: 'a' });
    expect(anchor.getAttribute('href')).toBe('https://mp.weixin.qq.com/s/abc');
    expect(anchor.getAttribute('rel')).toContain('noopener');
  });

  it('does not turn a javascript: link into an anchor', () => {
    show(messageFixture({ id: 'k', type: 'link', text: null, content: { link: { title: '点我', url: 'javascript:alert(1)' } } }));
    expect(screen.getByText('点我').closest('a')).toBeNull();
  });
});
