import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeadLetterView, MessageView } from '@imbridge/contracts';
import type { PlatformAdvice } from '@imbridge/platform-core';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { OutboundService } from '../outbound/outbound.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { deadLetterAdvice, type DeadLetterError } from './dead-letter-advice';

interface DeadLetterRow {
  message_id: string;
  conversation_id: string;
  integration_id: string;
  integration_name: string | null;
  platform: string | null;
  external_id: string;
  display_name: string | null;
  text: string | null;
  type: string;
  attempts: number;
  last_error: (DeadLetterError & { retryable?: boolean }) | null;
  failed_at: Date;
}

/** At most this many dead letters are re-driven by one retry-all call (call again for more). */
export const RETRY_ALL_MAX = 1000;

/**
 * Outbound messages the sender gave up on (outbound_messages.status = 'dead': a non-retryable error,
 * or retries exhausted), with their reason and advice; re-driven through OutboundService.retry.
 */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbound: OutboundService,
    private readonly registry: PlatformRegistry,
  ) {}

  async list(integrationId: string | undefined, limit: number, offset: number): Promise<{ items: DeadLetterView[]; total: number }> {
    const filter = integrationId ?? null;
    const rows: DeadLetterRow[] = await this.ds.query(
      `SELECT o.message_id, o.conversation_id, o.integration_id, i.name AS integration_name, i.platform,
              ct.external_id, ct.display_name, m.text, m.type, o.attempts, o.last_error, o.updated_at AS failed_at
         FROM outbound_messages o
         JOIN messages m ON m.id = o.message_id
         JOIN conversations c ON c.id = o.conversation_id
         JOIN contacts ct ON ct.id = c.contact_id
         LEFT JOIN integrations i ON i.id = o.integration_id
        WHERE o.status = 'dead' AND ($1::uuid IS NULL OR o.integration_id = $1)
        ORDER BY o.updated_at DESC, o.seq DESC
        LIMIT $2 OFFSET $3`,
      [filter, limit, offset],
    );
    const [count] = await this.ds.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM outbound_messages o WHERE o.status = 'dead' AND ($1::uuid IS NULL OR o.integration_id = $1)`,
      [filter],
    );
    return { items: rows.map((r) => toView(r, r.platform ? this.registry.get(r.platform)?.advice : undefined)), total: count?.n ?? 0 };
  }

  /** Re-drives one dead letter (404 when it is not one). */
  async retry(messageId: string): Promise<MessageView> {
    if (!isUuid(messageId)) throw notFound('dead letter', '死信');
    const [row] = await this.ds.query<{ status: string }[]>(`SELECT status FROM outbound_messages WHERE message_id = $1`, [messageId]);
    if (!row || row.status !== 'dead') throw notFound('dead letter', '死信');
    return this.outbound.retry(messageId);
  }

  /**
   * Re-drives every dead letter (of one integration), oldest first so each conversation keeps its
   * order. One that is re-driven concurrently by someone else is skipped, not an error.
   */
  async retryAll(integrationId: string | undefined): Promise<{ retried: number; messageIds: string[] }> {
    const rows = await this.ds.query<{ message_id: string }[]>(
      `SELECT message_id FROM outbound_messages WHERE status = 'dead' AND ($1::uuid IS NULL OR integration_id = $1) ORDER BY seq ASC LIMIT ${RETRY_ALL_MAX}`,
      [integrationId ?? null],
    );
    const messageIds: string[] = [];
    for (const { message_id } of rows) {
      try {
        await this.outbound.retry(message_id);
        messageIds.push(message_id);
      } catch (err) {
        if (err instanceof ApiError && (err.getStatus() === 409 || err.getStatus() === 404)) continue;
        throw err;
      }
    }
    return { retried: messageIds.length, messageIds };
  }
}

/** `advice`: the advice of the integration's platform (none when the integration was deleted). */
function toView(r: DeadLetterRow, advice: PlatformAdvice | undefined): DeadLetterView {
  const error = r.last_error ? { code: r.last_error.code, message: r.last_error.message, ...(r.last_error.platformCode !== undefined && r.last_error.platformCode !== null ? { platformCode: String(r.last_error.platformCode) } : {}) } : null;
  return {
    messageId: r.message_id,
    conversationId: r.conversation_id,
    integrationId: r.integration_id,
    integrationName: r.integration_name ?? '',
    contact: { externalId: r.external_id, displayName: r.display_name },
    text: r.text,
    type: r.type,
    attempts: r.attempts,
    error,
    advice: deadLetterAdvice(advice, error),
    failedAt: new Date(r.failed_at).toISOString(),
  };
}
