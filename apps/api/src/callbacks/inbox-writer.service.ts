import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InboundEvent } from '@imbridge/platform-core';
import { countEvent } from '../metrics/process-stats';

interface Pending {
  integrationId: string;
  event: InboundEvent;
  receivedAt: Date | null;
  resolve: (r: { id: string | null }) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 200;
// Several batches may be in flight on separate pool connections: PostgreSQL's group commit then
// shares one WAL flush among them, which is where a single writer would spend its time waiting.
const MAX_IN_FLIGHT = 4;

/**
 * Stores callback events durably. Concurrent callbacks are grouped into one multi-row INSERT
 * (`ON CONFLICT DO NOTHING` on integration + dedupe key); each caller's promise settles only after
 * its row is committed, so the platform never gets a 200 for something not stored.
 * Resolves `{id}` for a new row, `{id: null}` for a duplicate.
 */
@Injectable()
export class InboxWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly ds: DataSource) {}

  /**
   * `receivedAt`: the arrival time to store (chats are ordered by it); default the commit's now().
   * Events that arrive together and must keep their order get distinct, increasing times.
   */
  insert(integrationId: string, event: InboundEvent, receivedAt?: Date): Promise<{ id: string | null }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ integrationId, event, receivedAt: receivedAt ?? null, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // Wait one turn of the event loop so concurrent callbacks join the same batch.
    setImmediate(() => {
      this.scheduled = false;
      if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
      this.schedule();
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    const params: unknown[] = [];
    const values = batch.map((p, i) => {
      params.push(p.integrationId, p.event.dedupeKey, p.event.conversationKey, JSON.stringify(p.event.message), p.receivedAt);
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, COALESCE($${b + 5}::timestamptz, now()))`;
    });
    let rows: { id: string; integration_id: string; dedupe_key: string }[];
    try {
      rows = await this.ds.query(
        `INSERT INTO inbox_events (integration_id, dedupe_key, conversation_key, payload, received_at) VALUES ${values.join(', ')}
         ON CONFLICT (integration_id, dedupe_key) DO NOTHING RETURNING id, integration_id, dedupe_key`,
        params,
      );
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    countEvent('inbox.stored', rows.length);
    const inserted = new Map(rows.map((r) => [`${r.integration_id}\n${r.dedupe_key}`, String(r.id)]));
    for (const p of batch) {
      const key = `${p.integrationId}\n${p.event.dedupeKey}`;
      const id = inserted.get(key);
      // The same key twice in one batch: the first caller owns the new row, the second is a duplicate.
      if (id !== undefined) inserted.delete(key);
      p.resolve({ id: id ?? null });
    }
  }
}
