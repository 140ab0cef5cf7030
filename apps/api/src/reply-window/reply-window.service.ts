import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ReplyWindowRule, ReplyWindowView } from '@imbridge/contracts';
import { computeReplyWindow } from '@imbridge/platform-core';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';

/**
 * The reply window of a conversation, from its platform's rule (PlatformDescriptor.replyWindow), the
 * customer's last message (conversations.last_inbound_at) and what we sent since.
 *
 * Counted: outbound messages created at or after last_inbound_at (a bot reply written in the inbox's
 * own transaction has the same timestamp) that are not failed/dead — a refused message did not use
 * the platform's quota, a queued one is about to. A sent text the platform got in several parts counts
 * once per part (platform_message_ids), as the platform counts them. Messages sent with a platform
 * event code (payload.eventCode: welcome / end messages sent against a platform event) are not
 * counted: the platform does not count them either.
 *
 * A platform whose window depends on the integration's configuration or on more than the customer's
 * last message implements a ReplyWindowPolicy (PlatformHooks.replyWindow); its view wins, and null
 * from it falls back to the descriptor's rule.
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
    const policy = this.registry.hooks(conv.platform).replyWindow;
    if (policy) {
      const integration = await this.integrations.runtime(conv.integrationId);
      const view = integration
        ? await policy.view({ conversationId, integration, now, db: this.ds, sentSince: (since) => this.sentSince(conversationId, since) })
        : null;
      if (view) return view;
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
