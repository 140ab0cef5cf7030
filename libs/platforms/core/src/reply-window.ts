import type { ReplyWindowRule, ReplyWindowView } from '@imbridge/contracts';

/**
 * 微信客服 (WeChat customer service, kf/send_msg): after a customer's message the business may send
 * at most 5 messages within 48 hours (errcode 95018 / 45015 otherwise). For the wecom-kf module.
 */
export const WECOM_KF_REPLY_WINDOW: ReplyWindowRule = {
  hours: 48,
  maxMessages: 5,
  description: {
    zh: '微信客服：客户发消息后 48 小时内最多可回复 5 条消息',
    en: 'WeChat customer service: at most 5 messages within 48 hours of the customer\'s last message',
  },
};

/** 公众号 customer-service messages (message/custom/send): 48 hours after the user's last interaction (45015). For the mp module. */
export const MP_CUSTOMER_SERVICE_REPLY_WINDOW: ReplyWindowRule = {
  hours: 48,
  description: {
    zh: '公众号客服消息：用户最后一次互动后 48 小时内可回复',
    en: 'Official Account customer-service messages: replies allowed within 48 hours of the user\'s last interaction',
  },
};

const HOUR_MS = 3_600_000;

const UNLIMITED: ReplyWindowView = { limited: false, open: true, closesAt: null, remainingMessages: null, reason: null };

/**
 * The reply window of a conversation now. `rule` null/undefined: the channel has none (always open).
 * `lastInboundAt`: the customer's last message (null: none yet). `sentSince`: messages we sent (or
 * queued) since then. The window is open while `now < lastInboundAt + hours` (so exactly `hours`
 * later it is closed) and, when the rule counts messages, while fewer than `maxMessages` were sent.
 */
export function computeReplyWindow(
  rule: ReplyWindowRule | null | undefined,
  lastInboundAt: Date | null,
  sentSince: number,
  now: Date = new Date(),
): ReplyWindowView {
  if (!rule) return UNLIMITED;
  const max = rule.maxMessages;
  return { ...computeWindow(rule, max, lastInboundAt, sentSince, now), maxMessages: max ?? null };
}

function computeWindow(rule: ReplyWindowRule, max: number | undefined, lastInboundAt: Date | null, sentSince: number, now: Date): ReplyWindowView {
  if (!lastInboundAt) {
    return {
      limited: true,
      open: false,
      closedBy: 'no-inbound',
      closesAt: null,
      remainingMessages: max !== undefined ? 0 : null,
      reason: {
        zh: '客户还没有发来消息，平台不允许主动发起会话；等待客户先发消息',
        en: 'The customer has not written yet, and the platform does not allow starting the chat; wait for the customer to write first',
      },
    };
  }
  const closesAt = new Date(lastInboundAt.getTime() + rule.hours * HOUR_MS);
  const remaining = max !== undefined ? Math.max(0, max - Math.max(0, sentSince)) : null;
  if (now.getTime() >= closesAt.getTime()) {
    return {
      limited: true,
      open: false,
      closedBy: 'expired',
      closesAt: null,
      remainingMessages: remaining === null ? null : 0,
      reason: {
        zh: `客户最后一条消息已超过 ${rule.hours} 小时，平台不允许再主动回复；等待客户再次发消息`,
        en: `The customer's last message is more than ${rule.hours} hours old, so the platform no longer accepts replies; wait for the customer to write again`,
      },
    };
  }
  if (remaining === 0) {
    return {
      limited: true,
      open: false,
      closedBy: 'quota',
      closesAt: null,
      remainingMessages: 0,
      reason: {
        zh: `自客户最后一条消息以来已发送 ${sentSince} 条，达到平台上限 ${max} 条；等待客户再次发消息`,
        en: `${sentSince} messages were sent since the customer's last message, the platform's limit of ${max}; wait for the customer to write again`,
      },
    };
  }
  return { limited: true, open: true, closesAt: closesAt.toISOString(), remainingMessages: remaining, reason: rule.description };
}
