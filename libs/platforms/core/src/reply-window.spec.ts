import { computeReplyWindow, MP_CUSTOMER_SERVICE_REPLY_WINDOW, WECOM_KF_REPLY_WINDOW } from './reply-window';

const HOUR = 3_600_000;
const last = new Date('2026-05-01T08:00:00.000Z');
const at = (ms: number): Date => new Date(last.getTime() + ms);

describe('reply window rules', () => {
  it('declares 微信客服 48 h / 5 messages and 公众号 客服消息 48 h', () => {
    expect(WECOM_KF_REPLY_WINDOW).toMatchObject({ hours: 48, maxMessages: 5 });
    expect(MP_CUSTOMER_SERVICE_REPLY_WINDOW.hours).toBe(48);
    expect(MP_CUSTOMER_SERVICE_REPLY_WINDOW.maxMessages).toBeUndefined();
    for (const rule of [WECOM_KF_REPLY_WINDOW, MP_CUSTOMER_SERVICE_REPLY_WINDOW]) {
      expect(rule.description.zh).toContain('48');
      expect(rule.description.en).toContain('48');
    }
  });
});

describe('computeReplyWindow', () => {
  it('is unlimited without a rule (WeCom self-built app)', () => {
    const expected = { limited: false, open: true, closesAt: null, remainingMessages: null, reason: null };
    expect(computeReplyWindow(null, null, 0)).toEqual(expected);
    expect(computeReplyWindow(undefined, last, 99, at(1000 * HOUR))).toEqual(expected);
  });

  it('is closed before the customer has written anything', () => {
    const kf = computeReplyWindow(WECOM_KF_REPLY_WINDOW, null, 0, last);
    expect(kf).toMatchObject({ limited: true, open: false, closesAt: null, remainingMessages: 0 });
    expect(kf.reason!.zh).toContain('还没有发来消息');
    expect(computeReplyWindow(MP_CUSTOMER_SERVICE_REPLY_WINDOW, null, 0, last)).toMatchObject({ open: false, remainingMessages: null });
  });

  it('is open just before 48 h and closed at exactly 48 h', () => {
    const before = computeReplyWindow(MP_CUSTOMER_SERVICE_REPLY_WINDOW, last, 3, at(48 * HOUR - 1));
    expect(before).toEqual({
      limited: true,
      open: true,
      closesAt: '2026-05-03T08:00:00.000Z',
      remainingMessages: null,
      maxMessages: null,
      reason: MP_CUSTOMER_SERVICE_REPLY_WINDOW.description,
    });
    const exactly = computeReplyWindow(MP_CUSTOMER_SERVICE_REPLY_WINDOW, last, 0, at(48 * HOUR));
    expect(exactly).toMatchObject({ limited: true, open: false, closesAt: null });
    expect(exactly.reason).toEqual({
      zh: '客户最后一条消息已超过 48 小时，平台不允许再主动回复；等待客户再次发消息',
      en: "The customer's last message is more than 48 hours old, so the platform no longer accepts replies; wait for the customer to write again",
    });
  });

  it('counts messages: the 5th may go, the 6th may not', () => {
    const now = at(HOUR);
    expect(computeReplyWindow(WECOM_KF_REPLY_WINDOW, last, 0, now)).toMatchObject({ open: true, remainingMessages: 5, closesAt: '2026-05-03T08:00:00.000Z' });
    // 4 sent: the 5th is still allowed.
    expect(computeReplyWindow(WECOM_KF_REPLY_WINDOW, last, 4, now)).toMatchObject({ open: true, remainingMessages: 1 });
    // 5 sent: a 6th is refused.
    const full = computeReplyWindow(WECOM_KF_REPLY_WINDOW, last, 5, now);
    expect(full).toMatchObject({ limited: true, open: false, closesAt: null, remainingMessages: 0 });
    expect(full.reason!.zh).toBe('自客户最后一条消息以来已发送 5 条，达到平台上限 5 条；等待客户再次发消息');
    expect(full.reason!.en).toContain('limit of 5');
    expect(computeReplyWindow(WECOM_KF_REPLY_WINDOW, last, 7, now).remainingMessages).toBe(0);
  });

  it('reports time before count when both are exhausted, and ignores a negative count', () => {
    const both = computeReplyWindow(WECOM_KF_REPLY_WINDOW, last, 5, at(49 * HOUR));
    expect(both.reason!.en).toContain('48 hours');
    expect(computeReplyWindow(WECOM_KF_REPLY_WINDOW, last, -3, at(HOUR)).remainingMessages).toBe(5);
  });
});
