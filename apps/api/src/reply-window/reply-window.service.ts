import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { I18nText, ReplyWindowRule, ReplyWindowView } from '@imbridge/contracts';
import { computeReplyWindow } from '@imbridge/platform-core';
import { mpDeliveryMode, readMpConfig, type MpConfig } from '@imbridge/platform-mp';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';

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
 * The reply window of a conversation, from its platform's rule (PlatformDescriptor.replyWindow), the
 * customer's last message (conversations.last_inbound_at) and what we sent since.
 *
 * Counted: outbound messages created at or after last_inbound_at (a bot reply written in the inbox's
 * own transaction has the same timestamp) that are not failed/dead — a refused message did not use
 * the platform's quota, a queued one is about to. A sent text the platform got in several parts counts
 * once per part (platform_message_ids), as the platform counts them. Messages sent with a platform
 * event code (payload.eventCode: 微信客服 welcome / end messages via send_msg_on_event) are not counted:
 * the platform does not count them either.
 *
 * 公众号 (mp) conversations follow the account's configuration (readMpConfig) instead of the static
 * descriptor rule. An account that can only reply passively (mpDeliveryMode 'passive') is always open
 * with `deliveredOnNextMessage`: what agents write is handed out as the reply to the user's next
 * message. A customer-service account has the window of the latest trigger among the conversation's
 * inbound messages: a user message (any non-event) grants cfg.window.messageCount messages within
 * messageHours; subscribe, SCAN, CLICK (and the scancode menu events) grant eventCount within
 * eventMinutes; other events (VIEW, LOCATION, unsubscribe, TEMPLATESENDJOBFINISH) grant nothing. What
 * we sent since that trigger counts as above. An unsubscribe after the trigger closes the window.
 */
@Injectable()
export class ReplyWindowService {
  constructor(
    private readonly ds: DataSource,
    private readonly registry: PlatformRegistry,
    private readonly integrations: IntegrationsService,
  ) {}

  async view(conversationId: string, now: Date = new Date()): Promise<ReplyWindowView> {
    const conv = await this.conversation(conversationId);
    if (conv.platform === 'mp') {
      const mp = await this.mpWindow(conversationId, conv.integrationId, now);
      if (mp) return mp;
    }
    const rule = this.registry.get(conv.platform)?.descriptor.replyWindow ?? null;
    return this.evaluate(conversationId, conv.lastInboundAt, rule, now);
  }

  /** The window under an explicit rule (platforms whose module does not exist yet, tests of rules). */
  async viewWithRule(conversationId: string, rule: ReplyWindowRule | null, now: Date = new Date()): Promise<ReplyWindowView> {
    const conv = await this.conversation(conversationId);
    return this.evaluate(conversationId, conv.lastInboundAt, rule, now);
  }

  /** Throws 409 WINDOW_CLOSED (details.window) when the platform would refuse a message now. */
  async assertOpen(conversationId: string): Promise<ReplyWindowView> {
    const window = await this.view(conversationId);
    if (!window.open) {
      throw new ApiError(
        409,
        'WINDOW_CLOSED',
        window.reason?.en ?? 'the reply window is closed',
        window.reason?.zh ?? '回复窗口已关闭',
        { window },
      );
    }
    return window;
  }

  /** Messages we sent or queued since `since` (see the class comment for what counts). */
  async sentSince(conversationId: string, since: Date): Promise<number> {
    const [row] = await this.ds.query<{ n: number }[]>(
      `SELECT COALESCE(SUM(CASE WHEN o.status = 'sent' AND jsonb_typeof(o.platform_message_ids) = 'array'
                                 THEN GREATEST(jsonb_array_length(o.platform_message_ids), 1) ELSE 1 END), 0)::int AS n
         FROM outbound_messages o
        WHERE o.conversation_id = $1 AND o.created_at >= $2 AND o.status NOT IN ('failed', 'dead')
          AND NOT (o.payload ? 'eventCode')`,
      [conversationId, since],
    );
    return row?.n ?? 0;
  }

  /** The 公众号 window (see the class comment); null when the account's config cannot be read (the descriptor rule applies). */
  private async mpWindow(conversationId: string, integrationId: string, now: Date): Promise<ReplyWindowView | null> {
    const integration = await this.integrations.runtime(integrationId);
    let cfg: MpConfig;
    try {
      if (!integration) return null;
      cfg = readMpConfig(integration.config);
    } catch {
      return null;
    }
    if (mpDeliveryMode(cfg) === 'passive') {
      return { limited: true, open: true, closesAt: null, remainingMessages: null, deliveredOnNextMessage: true, reason: MP_PASSIVE_WINDOW_REASON };
    }
    const [trigger] = await this.ds.query<{ created_at: Date; type: string; event: string | null }[]>(
      `SELECT created_at, type, content->'event'->>'name' AS event FROM messages
        WHERE conversation_id = $1 AND direction = 'in'
          AND (type <> 'event' OR content->'event'->>'name' = ANY($2::text[]))
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [conversationId, MP_WINDOW_EVENTS],
    );
    if (!trigger) return computeReplyWindow(mpMessageRule(cfg), null, 0, now);
    const at = new Date(trigger.created_at);
    const [unsubscribed] = await this.ds.query<{ n: number }[]>(
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
    const sent = await this.sentSince(conversationId, at);
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

  private async evaluate(conversationId: string, lastInboundAt: Date | null, rule: ReplyWindowRule | null, now: Date): Promise<ReplyWindowView> {
    if (!rule) return computeReplyWindow(null, lastInboundAt, 0, now);
    const sent = lastInboundAt ? await this.sentSince(conversationId, lastInboundAt) : 0;
    return computeReplyWindow(rule, lastInboundAt, sent, now);
  }

  private async conversation(id: string): Promise<{ platform: string; integrationId: string; lastInboundAt: Date | null }> {
    if (!isUuid(id)) throw notFound('conversation', '会话');
    const [row] = await this.ds.query<{ platform: string; integration_id: string; last_inbound_at: Date | null }[]>(
      `SELECT i.platform, c.integration_id, c.last_inbound_at FROM conversations c JOIN integrations i ON i.id = c.integration_id WHERE c.id = $1`,
      [id],
    );
    if (!row) throw notFound('conversation', '会话');
    return { platform: row.platform, integrationId: row.integration_id, lastInboundAt: row.last_inbound_at ? new Date(row.last_inbound_at) : null };
  }
}
