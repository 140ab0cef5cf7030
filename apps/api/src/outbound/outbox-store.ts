import type { DataSource } from 'typeorm';
import type { OutboundStatus } from '@imbridge/persistence';
import { OutboundMessageEntity } from '@imbridge/persistence';

/**
 * The outbox rows a conversation has not finished (not yet sent or given up), in the order they must
 * leave: the first is the one the sender sends next (OutboundService.oldestUnfinished).
 */
export const UNFINISHED_STATUSES: readonly OutboundStatus[] = ['queued', 'sending'];

interface OutboxRow {
  id: string;
  seq: string;
  message_id: string;
  integration_id: string;
  conversation_id: string;
  recipient: OutboundMessageEntity['recipient'];
  payload: OutboundMessageEntity['payload'];
  status: OutboundStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: OutboundMessageEntity['lastError'];
  platform_message_ids: string[] | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  pickup_offset: number;
}

function toEntity(r: OutboxRow): OutboundMessageEntity {
  return Object.assign(new OutboundMessageEntity(), {
    id: r.id,
    seq: r.seq,
    messageId: r.message_id,
    integrationId: r.integration_id,
    conversationId: r.conversation_id,
    recipient: r.recipient,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    platformMessageIds: r.platform_message_ids,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
    pickupOffset: r.pickup_offset,
  });
}

/**
 * Runs what concurrent callers ask for together: requests made while fewer than `maxInFlight` batches
 * are running leave at the next turn of the event loop, the others as soon as one returns. Under
 * load many callers share each statement (and its round trip); alone, a caller waits one turn.
 */
export class Batcher<T, R> {
  private queue: { item: T; resolve(r: R): void; reject(e: unknown): void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<(R | Error)[]>,
    private readonly maxInFlight: number,
    private readonly maxBatch: number,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.run(batch.map((b) => b.item))
        .then(
          // An Error in place of a result fails that caller only.
          (results) => batch.forEach((b, i) => (results[i] instanceof Error ? b.reject(results[i]) : b.resolve(results[i] as R))),
          (err: unknown) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}

/** A 'sending' mark: taken only if the row is still as the sender read it. */
interface SendingMark {
  id: string;
  status: OutboundStatus;
  attempts: number;
  at: Date;
}
/** A 'sent' mark: the platform accepted the attempt. */
interface SentMark {
  id: string;
  at: Date;
  platformMessageIds: string[];
}
type Mark = ({ kind: 'sending' } & SendingMark) | ({ kind: 'sent' } & SentMark);

/**
 * One statement for any number of marks: 'sending' marks (the attempt recorded before its request
 * leaves, conditional on the row being as read) and 'sent' marks (outbox row and message together;
 * only from 'sending', since a platform's failure report may have overtaken the answer — then only the
 * platform's ids and the time are recorded). A data-modifying CTE is one statement, so each mark
 * commits atomically. Returns the ids whose 'sending' mark took.
 */
const MARKS_SQL = `
WITH sending_in AS (
  SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::timestamptz[]) AS x(id, status, attempts, at)
), sending AS (
  UPDATE outbound_messages o SET status = 'sending', attempts = o.attempts + 1, updated_at = x.at
    FROM sending_in x WHERE o.id = x.id AND o.status = x.status AND o.attempts = x.attempts
  RETURNING o.id
), sent_in AS (
  SELECT * FROM unnest($5::uuid[], $6::timestamptz[], $7::jsonb[]) AS s(id, at, platform_ids)
), sent AS (
  UPDATE outbound_messages o SET status = 'sent', sent_at = s.at, updated_at = s.at, last_error = NULL, platform_message_ids = s.platform_ids
    FROM sent_in s WHERE o.id = s.id AND o.status = 'sending'
  RETURNING o.id, o.message_id, s.at, s.platform_ids
), overtaken AS (
  UPDATE outbound_messages o SET platform_message_ids = s.platform_ids, sent_at = s.at
    FROM sent_in s WHERE o.id = s.id AND o.status <> 'sending'
  RETURNING o.id
), messages_sent AS (
  UPDATE messages m SET status = 'sent', sent_at = sent.at, error = NULL, platform_message_id = sent.platform_ids->>0
    FROM sent WHERE m.id = sent.message_id
  RETURNING m.id
)
SELECT id FROM sending`;

const COLUMNS = `id, seq, message_id, integration_id, conversation_id, recipient, payload, status, attempts, next_attempt_at, last_error, platform_message_ids, created_at, updated_at, sent_at, pickup_offset`;

const HEADS_SQL = `SELECT DISTINCT ON (conversation_id) ${COLUMNS} FROM outbound_messages
  WHERE conversation_id = ANY($1::uuid[]) AND status = ANY($2::varchar[])
  ORDER BY conversation_id, seq`;

const PAGES_SQL = `SELECT ${COLUMNS} FROM (
  SELECT o.*, row_number() OVER (PARTITION BY conversation_id ORDER BY seq) AS rank FROM outbound_messages o
   WHERE conversation_id = ANY($1::uuid[]) AND status = ANY($2::varchar[])
) page WHERE rank <= $3 ORDER BY conversation_id, seq`;

/** What a pooled pg connection offers beyond TypeORM: named (prepared) statements. */
interface PgPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * The sender's reads and writes of the outbox in plain SQL, batched across the conversations this
 * process sends at the same time: a process draining many chats makes a few statements per round
 * instead of a few per message.
 */
export class OutboxStore {
  private readonly heads: Batcher<string, OutboundMessageEntity | null>;
  private readonly pages: Batcher<string, OutboundMessageEntity[]>;
  private readonly marks: Batcher<Mark, boolean>;

  constructor(
    private readonly ds: DataSource,
    /** How many unfinished rows one read of a conversation returns. */
    readonly pageSize = 20,
  ) {
    this.heads = new Batcher((ids) => this.readHeads(ids), 2, 500);
    this.pages = new Batcher((ids) => this.readPages(ids), 2, 200);
    this.marks = new Batcher((marks) => this.writeMarks(marks), 3, 500);
  }

  /** The conversation's oldest unfinished row (the one it sends next), or null. */
  oldestUnfinished(conversationId: string): Promise<OutboundMessageEntity | null> {
    return this.heads.add(conversationId);
  }

  /** The conversation's first `pageSize` unfinished rows, oldest first. */
  unfinished(conversationId: string): Promise<OutboundMessageEntity[]> {
    return this.pages.add(conversationId);
  }

  /** Records an attempt before its request leaves; false when the row changed since it was read. */
  markSending(row: Pick<OutboundMessageEntity, 'id' | 'status' | 'attempts'>, at: Date): Promise<boolean> {
    return this.marks.add({ kind: 'sending', id: row.id, status: row.status, attempts: row.attempts, at });
  }

  /** The platform accepted the attempt: outbox row and message 'sent' (see MARKS_SQL). */
  async markSent(id: string, at: Date, platformMessageIds: string[]): Promise<void> {
    await this.marks.add({ kind: 'sent', id, at, platformMessageIds });
  }

  private async readHeads(ids: string[]): Promise<(OutboundMessageEntity | null)[]> {
    const rows = await this.prepared<OutboxRow>('outbox-heads', HEADS_SQL, [[...new Set(ids)], UNFINISHED_STATUSES]);
    const byConversation = new Map(rows.map((r) => [r.conversation_id, r]));
    return ids.map((id) => {
      const r = byConversation.get(id);
      return r ? toEntity(r) : null;
    });
  }

  private async readPages(ids: string[]): Promise<OutboundMessageEntity[][]> {
    const rows = await this.prepared<OutboxRow>('outbox-pages', PAGES_SQL, [[...new Set(ids)], UNFINISHED_STATUSES, this.pageSize]);
    const byConversation = new Map<string, OutboundMessageEntity[]>();
    for (const r of rows) {
      const list = byConversation.get(r.conversation_id) ?? [];
      list.push(toEntity(r));
      byConversation.set(r.conversation_id, list);
    }
    return ids.map((id) => byConversation.get(id) ?? []);
  }

  /**
   * A statement prepared once per pooled connection (by name): these run many times a second, and
   * parsing and planning the marks' CTE each time cost PostgreSQL more than running it. Through the
   * pool TypeORM uses, so the pool size and the statement counters are the same.
   */
  private async prepared<R>(name: string, text: string, values: unknown[]): Promise<R[]> {
    const pool = (this.ds.driver as unknown as { master?: PgPool }).master;
    if (!pool) return this.ds.query(text, values) as Promise<R[]>;
    return (await pool.query<R>({ name, text, values })).rows;
  }

  private async writeMarks(marks: Mark[]): Promise<(boolean | Error)[]> {
    try {
      return await this.writeMarksOnce(marks);
    } catch (err) {
      // One bad mark (or a deadlock with another writer) must not fail the others: each on its own.
      if (marks.length === 1) throw err;
      return Promise.all(
        marks.map((m) =>
          this.writeMarksOnce([m]).then(
            (r) => r[0]!,
            (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
          ),
        ),
      );
    }
  }

  private async writeMarksOnce(marks: Mark[]): Promise<boolean[]> {
    const sending = marks.filter((m): m is Extract<Mark, { kind: 'sending' }> => m.kind === 'sending');
    const sent = marks.filter((m): m is Extract<Mark, { kind: 'sent' }> => m.kind === 'sent');
    const rows = await this.prepared<{ id: string }>('outbox-marks', MARKS_SQL, [
      sending.map((m) => m.id),
      sending.map((m) => m.status),
      sending.map((m) => m.attempts),
      sending.map((m) => m.at),
      sent.map((m) => m.id),
      sent.map((m) => m.at),
      sent.map((m) => JSON.stringify(m.platformMessageIds)),
    ]);
    const took = new Set(rows.map((r) => r.id));
    return marks.map((m) => (m.kind === 'sending' ? took.has(m.id) : true));
  }
}
