import { Injectable } from '@nestjs/common';
import type { I18nText, ReplyWindowRule, ReplyWindowView } from '@imbridge/contracts';
import { computeReplyWindow, type ReplyWindowContext, type ReplyWindowPolicy } from '@imbridge/platform-core';
import { mpDeliveryMode, readMpConfig, type MpConfig } from '@imbridge/platform-mp';

/** 公众号 events that open a (short) customer-service window: subscribe, menu click, scan (incl. scancode menu events). */
export const MP_WINDOW_EVENTS: readonly string[] = ['subscribe', 'SCAN', 'CLICK', 'scancode_push', 'scancode_waitmsg'];

/** A 公众号 account without the customer-service API: what the composer says. */
export const MP_PASSIVE_WINDOW_REASON: I18nText = {
  zh: '此公众号只能被动回复：消息将在用户下次发来消息时一并送达',
  en: 'This Official Account can only reply passively: the message is delivered with the user\'s next message',
};

/** The customer-service window an MP user's message opens (cfg.window.messageCount / messageHours). */
export function mpMessageRule(cfg: Pick<MpConfig, 'window'>): ReplyWindowRule {
  const { messageCount: n, messageHours: h } = cfg.window;
  return {
    hours: h,
    maxMessages: n,
    description: {
      zh: `公众号客服消息：用户发消息后 ${h} 小时内最多可回复 ${n} 条`,
      en: `Official Account customer-service messages: at most ${n} messages within ${h} hours of the user's message`,
    },
  };
}

/** The window a subscribe / menu click / scan opens (cfg.window.eventCount / eventMinutes). */
export function mpEventRule(cfg: Pick<MpConfig, 'window'>): ReplyWindowRule {
  const { eventCount: n, eventMinutes: m } = cfg.window;
  return {
    hours: m / 60,
    maxMessages: n,
    description: {
      zh: `公众号客服消息：用户关注、点击菜单或扫码后 ${m} 分钟内最多可回复 ${n} 条`,
      en: `Official Account customer-service messages: at most ${n} messages within ${m} minute${m === 1 ? '' : 's'} of the user's subscribe, menu click or scan`,
    },
  };
}

/**
 * The reply window of a 公众号 conversation, from the account's configuration (readMpConfig) rather
 * than a static rule. An account that can only reply passively (mpDeliveryMode 'passive') is always
 * open with `deliveredOnNextMessage`: what agents write is handed out as the reply to the user's next
 * message. A customer-service account has the window of the latest trigger among the conversation's
 * inbound messages: a user message (any non-event) grants cfg.window.messageCount messages within
 * messageHours; subscribe, SCAN, CLICK (and the scancode menu events) grant eventCount within
 * eventMinutes; other events (VIEW, LOCATION, unsubscribe, TEMPLATESENDJOBFINISH) grant nothing. What
 * we sent since that trigger counts as for every platform (ReplyWindowContext.sentSince). An
 * unsubscribe after the trigger closes the window. null (the descriptor's rule applies) when the
 * configuration cannot be read.
 */
@Injectable()
export class MpReplyWindow implements ReplyWindowPolicy {
  async view(ctx: ReplyWindowContext): Promise<ReplyWindowView | null> {
    const { conversationId, now, db } = ctx;
    let cfg: MpConfig;
    try {
      cfg = readMpConfig(ctx.integration.config);
    } catch {
      return null;
    }
    if (mpDeliveryMode(cfg) === 'passive') {
      return { limited: true, open: true, closesAt: null, remainingMessages: null, deliveredOnNextMessage: true, reason: MP_PASSIVE_WINDOW_REASON };
    }
    const [trigger]: { created_at: Date; type: string; event: string | null }[] = await db.query(
      `SELECT created_at, type, content->'event'->>'name' AS event FROM messages
        WHERE conversation_id = $1 AND direction = 'in'
          AND (type <> 'event' OR content->'event'->>'name' = ANY($2::text[]))
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [conversationId, MP_WINDOW_EVENTS],
    );
    if (!trigger) return computeReplyWindow(mpMessageRule(cfg), null, 0, now);
    const at = new Date(trigger.created_at);
    const [unsubscribed]: { n: number }[] = await db.query(
      `SELECT count(*)::int AS n FROM messages
        WHERE conversation_id = $1 AND direction = 'in' AND type = 'event' AND content->'event'->>'name' = 'unsubscribe' AND created_at >= $2`,
      [conversationId, at],
    );
    if ((unsubscribed?.n ?? 0) > 0) {
      return {
        limited: true,
        open: false,
        closedBy: 'no-inbound',
        closesAt: null,
        remainingMessages: 0,
        reason: {
          zh: '用户已取消关注公众号，不能再发送客服消息；等待用户重新关注或发来消息',
          en: 'The user unsubscribed from the account, so customer-service messages are refused; wait for the user to follow again or write',
        },
      };
    }
    const byEvent = trigger.type === 'event';
    const rule = byEvent ? mpEventRule(cfg) : mpMessageRule(cfg);
    const sent = await ctx.sentSince(at);
    const view = computeReplyWindow(rule, at, sent, now);
    if (!view.open && byEvent) {
      // computeReplyWindow words it for a customer's message in hours; an event window is in minutes.
      const { eventCount: n, eventMinutes: m } = cfg.window;
      view.reason =
        view.closedBy === 'quota'
          ? {
              zh: `用户关注、点击菜单或扫码后已发送 ${sent} 条，达到上限 ${n} 条；等待用户发来消息`,
              en: `${sent} messages were sent since the user's subscribe, menu click or scan, the limit of ${n}; wait for the user to write`,
            }
          : {
              zh: `用户关注、点击菜单或扫码已超过 ${m} 分钟，不能再发送客服消息；等待用户发来消息`,
              en: `The user's subscribe, menu click or scan is more than ${m} minute${m === 1 ? '' : 's'} old, so customer-service messages are refused; wait for the user to write`,
            };
    }
    return view;
  }
}
