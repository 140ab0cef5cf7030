import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import type { InboundMessage, OutgoingMessage } from '@imbridge/contracts';
import { type AfterCommit, inboundOrigin, type InboxHooks } from '@imbridge/platform-core';
import { BotPipeline } from '../keyword-rules/bot-pipeline.service';
import type { BotRuntimeSettings } from '../bot/bot-settings.service';
import { BotSettingsService } from '../bot/bot-settings.service';
import { countEvent } from '../metrics/process-stats';
import { OutboundService, textOf } from '../outbound/outbound.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { InboxService, previewOf } from './inbox.service';
import { InboxSignals } from './inbox-signals';

/** A conversation with inbox work: what an inbox job names. */
export interface ConversationRef {
  integrationId: string;
  conversationKey: string;
}

/** The most events one batch transaction takes (the rest stay pending for the next run). */
const MAX_EVENTS = 1_000;
/** Conversations handed to the per-conversation path at once. */
const SLOW_PARALLEL = 4;

interface EventRow {
  id: string;
  integration_id: string;
  conversation_key: string;
  payload: InboundMessage;
  received_at: Date;
  status: 'pending' | 'deciding';
}

interface Group {
  ref: ConversationRef;
  settings: BotRuntimeSettings;
  hooks: InboxHooks;
  rows: EventRow[];
  externalId: string;
  displayName: string | null;
  conversation?: { id: string; state: string; botFailures: number };
}

/** The rows one batch writes (parallel arrays: one PostgreSQL statement takes them as unnest()s). */
class Writes {
  readonly ev = { eventId: [] as string[], messageId: [] as string[], conversationId: [] as string[], integrationId: [] as string[], type: [] as string[], text: [] as (string | null)[], content: [] as string[], platformMessageId: [] as (string | null)[], receivedAt: [] as Date[], source: [] as string[], ruleId: [] as (string | null)[], firstReply: [] as (string | null)[], processedAt: [] as Date[] };
  readonly rp = { messageId: [] as string[], outboundId: [] as string[], conversationId: [] as string[], integrationId: [] as string[], type: [] as string[], text: [] as (string | null)[], content: [] as (string | null)[], payload: [] as string[], recipient: [] as string[], createdAt: [] as Date[] };
  readonly cv = { conversationId: [] as string[], lastMessageAt: [] as Date[], preview: [] as string[], botFailures: [] as number[], inbound: [] as boolean[] };
  /** The first new outbox row of each conversation with replies: its drain job. */
  readonly drains: { conversationId: string; outboundId: string }[] = [];
  readonly inboundMessages: string[] = [];
}

/**
 * The inbox's batch lane: the customers' text messages of many conversations stored, decided by the
 * bot and answered (message, outbox and claim rows) in ONE transaction of a handful of statements,
 * instead of two transactions and a dozen statements per message.
 *
 * It takes what needs nothing else: plain text from customers, in chats with the bot, on platforms
 * whose inbox hooks need no round trips of their own per message (inTransaction runs inside the
 * batch's transaction, opensReplyWindow is pure), with a bot that decides locally (keyword rules, FAQ) and an answer, the
 * fallback text or silence as the outcome. Everything else — media, platform events, a pull or
 * routing hook, an
 * external app, a handoff, "did you mean" — goes through InboxService.processConversation, as do
 * conversations another process is working on. Both lanes hold the same per-conversation advisory
 * lock (here for the transaction), so a conversation's events are still handled one at a time, in
 * order. Exactly once holds as before: the message row is unique per inbox event and the bot's claim
 * per event; the batch commits only if every one of its rows was new, else it rolls back and the
 * per-conversation lane does the work.
 */
@Injectable()
export class InboxBatch {
  private readonly logger = new Logger('InboxBatch');

  constructor(
    private readonly ds: DataSource,
    private readonly inbox: InboxService,
    private readonly bot: BotPipeline,
    private readonly settings: BotSettingsService,
    private readonly outbound: OutboundService,
    private readonly notifier: DeskNotifier,
    private readonly signals: InboxSignals,
  ) {}

  /** Processes the pending events of these conversations (each at most once per call). */
  async process(refs: ConversationRef[]): Promise<void> {
    const unique = new Map<string, ConversationRef>();
    for (const r of refs) unique.set(`${r.integrationId}\n${r.conversationKey}`, r);
    const batchable: Batchable[] = [];
    const slow: ConversationRef[] = [];
    for (const ref of unique.values()) {
      const hooks = await this.inbox.hooksOf(ref.integrationId);
      const settings = await this.settings.runtime(ref.integrationId);
      if (needsOwnRun(hooks) || !this.bot.decidesLocally(settings)) slow.push(ref);
      else batchable.push({ ref, settings, hooks });
    }
    if (batchable.length > 0) {
      try {
        slow.push(...(await this.batch(batchable)));
      } catch (err) {
        // Nothing of the batch committed: each conversation goes the per-conversation way, which
        // counts failed attempts per event.
        this.logger.warn(`batch of ${batchable.length} conversation(s) not processed together (${(err as Error).message}); one by one instead`);
        slow.push(...batchable.map((b) => b.ref));
      }
    }
    await runLimited(slow, SLOW_PARALLEL, (ref) => this.inbox.processConversation(ref.integrationId, ref.conversationKey));
  }

  /** Returns the conversations left for the per-conversation lane. */
  private async batch(batchable: Batchable[]): Promise<ConversationRef[]> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    const left: ConversationRef[] = [];
    let committed: { groups: Group[]; writes: Writes; afterCommit: AfterCommit[] } | null = null;
    try {
      await runner.startTransaction();
      const ids = batchable.map((b) => b.ref.integrationId);
      const keys = batchable.map((b) => b.ref.conversationKey);
      // The same key as processConversation's session lock: the two lanes exclude each other. A
      // conversation busy elsewhere is left to the per-conversation lane, which waits for it.
      const locked: { integration_id: string; conversation_key: string }[] = await prepared(runner, 'inbox-batch-lock',
        `SELECT integration_id::text, conversation_key FROM unnest($1::uuid[], $2::text[]) AS k(integration_id, conversation_key)
         WHERE pg_try_advisory_xact_lock(hashtextextended('inbox:' || integration_id::text || ':' || conversation_key, 0))`,
        [ids, keys],
      );
      const lockedSet = new Set(locked.map((l) => `${l.integration_id}\n${l.conversation_key}`));
      for (const b of batchable) if (!lockedSet.has(`${b.ref.integrationId}\n${b.ref.conversationKey}`)) left.push(b.ref);
      const mine = batchable.filter((b) => lockedSet.has(`${b.ref.integrationId}\n${b.ref.conversationKey}`));
      if (mine.length === 0) {
        await runner.rollbackTransaction();
        return left;
      }
      // Read after the locks (a statement of its own: its snapshot sees what the lock's last holder committed).
      const rows: EventRow[] = await prepared(runner, 'inbox-batch-events',
        `SELECT e.id::text, e.integration_id::text, e.conversation_key, e.payload, e.received_at, e.status
         FROM inbox_events e JOIN unnest($1::uuid[], $2::text[]) AS k(integration_id, conversation_key)
           ON e.integration_id = k.integration_id AND e.conversation_key = k.conversation_key
         WHERE e.status IN ('pending', 'deciding') ORDER BY e.id LIMIT ${MAX_EVENTS}`,
        [mine.map((b) => b.ref.integrationId), mine.map((b) => b.ref.conversationKey)],
      );
      const groups = this.groups(mine, rows, left);
      if (groups.length === 0) {
        await runner.rollbackTransaction();
        return left;
      }
      await this.upsertConversations(runner, groups);
      const writes = new Writes();
      for (const g of groups) {
        if (g.conversation?.state !== 'bot' || !(await this.decideGroup(g, writes))) left.push(g.ref);
      }
      const taken = groups.filter((g) => !left.includes(g.ref));
      if (taken.length === 0) {
        // The contacts and chats just found or created are kept (as the per-conversation lane would).
        await runner.commitTransaction();
        return left;
      }
      const counts = await this.write(runner, writes);
      const n = writes.ev.eventId.length;
      if (counts.inbound !== n || counts.claims !== n || counts.events !== n) {
        // Something of it was done before (a run that died after committing part of its work): the
        // per-conversation lane knows how to continue such events.
        await runner.rollbackTransaction();
        this.logger.warn(`batch found ${n - Math.min(counts.inbound, counts.claims, counts.events)} event(s) already (partly) processed; one by one instead`);
        return [...left, ...taken.map((g) => g.ref)];
      }
      // What the platform writes with an event commits with it (InboxHooks.inTransaction), after the
      // event's message row exists, as in the per-conversation lane.
      const afterCommit: AfterCommit[] = [];
      for (const g of taken) {
        if (!g.hooks.inTransaction) continue;
        for (const row of g.rows) {
          const work = await g.hooks.inTransaction(runner.manager, { integrationId: g.ref.integrationId, conversationId: g.conversation!.id, inboxEventId: row.id, origin: 'customer' }, row.payload);
          if (work) afterCommit.push(work);
        }
      }
      await runner.commitTransaction();
      committed = { groups: taken, writes, afterCommit };
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    await this.afterCommit(committed.groups, committed.writes);
    for (const work of committed.afterCommit) {
      // The rows are committed; the sweeper queues outbound rows left waiting.
      await work().catch((err: Error) => this.logger.warn(`after-commit work failed: ${err.message}`));
    }
    return left;
  }

  /** Groups the rows by conversation; a conversation with anything the batch does not take is left. */
  private groups(mine: Batchable[], rows: EventRow[], left: ConversationRef[]): Group[] {
    const byKey = new Map<string, Group>();
    for (const b of mine) byKey.set(`${b.ref.integrationId}\n${b.ref.conversationKey}`, { ref: b.ref, settings: b.settings, hooks: b.hooks, rows: [], externalId: '', displayName: null });
    for (const row of rows) byKey.get(`${row.integration_id}\n${row.conversation_key}`)?.rows.push(row);
    const out: Group[] = [];
    const contacts = new Set<string>();
    for (const g of byKey.values()) {
      if (g.rows.length === 0) continue;
      const first = g.rows[0]!.payload;
      g.externalId = first.sender.externalId;
      g.displayName = first.sender.name ?? null;
      const contactKey = `${g.ref.integrationId}\n${g.externalId}`;
      const plain = g.rows.every(
        (r) =>
          r.status === 'pending' &&
          r.payload.type === 'text' &&
          !!r.payload.text &&
          !r.payload.media &&
          inboundOrigin(r.payload) === 'customer' &&
          r.payload.sender.externalId === g.externalId,
      );
      // Two conversation keys of one contact cannot share one multi-row upsert.
      if (!plain || contacts.has(contactKey)) {
        left.push(g.ref);
        continue;
      }
      contacts.add(contactKey);
      out.push(g);
    }
    return out;
  }

  /** Contacts and their chats, found or created, in one statement (rows locked to the end of the transaction). */
  private async upsertConversations(runner: QueryRunner, groups: Group[]): Promise<void> {
    const found: { id: string; state: string; bot_failures: number; integration_id: string; external_id: string }[] = await prepared(runner, 'inbox-batch-chats',
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(integration_id, external_id, display_name) ORDER BY integration_id, external_id
       ), ct AS (
         INSERT INTO contacts (integration_id, external_id, display_name) SELECT integration_id, external_id, display_name FROM input
         ON CONFLICT (integration_id, external_id) DO UPDATE SET display_name = COALESCE(EXCLUDED.display_name, contacts.display_name)
         RETURNING id, integration_id, external_id
       ), cv AS (
         INSERT INTO conversations (integration_id, contact_id) SELECT integration_id, id FROM ct ORDER BY id
         ON CONFLICT (integration_id, contact_id) DO UPDATE SET updated_at = now() RETURNING id, contact_id, state, bot_failures
       )
       SELECT cv.id, cv.state, cv.bot_failures, ct.integration_id::text, ct.external_id FROM cv JOIN ct ON ct.id = cv.contact_id`,
      [groups.map((g) => g.ref.integrationId), groups.map((g) => g.externalId), groups.map((g) => g.displayName)],
    );
    const byContact = new Map(found.map((f) => [`${f.integration_id}\n${f.external_id}`, f]));
    for (const g of groups) {
      const f = byContact.get(`${g.ref.integrationId}\n${g.externalId}`);
      if (f) g.conversation = { id: f.id, state: f.state, botFailures: f.bot_failures };
    }
  }

  /** The bot's decisions for a conversation's events, in order, added to `writes`; false if one needs the other lane. */
  private async decideGroup(g: Group, writes: Writes): Promise<boolean> {
    const conv = g.conversation!;
    const integrationId = g.ref.integrationId;
    const ev: Writes['ev'] = { eventId: [], messageId: [], conversationId: [], integrationId: [], type: [], text: [], content: [], platformMessageId: [], receivedAt: [], source: [], ruleId: [], firstReply: [], processedAt: [] };
    const rp: Writes['rp'] = { messageId: [], outboundId: [], conversationId: [], integrationId: [], type: [], text: [], content: [], payload: [], recipient: [], createdAt: [] };
    let failures = conv.botFailures;
    // The reply window opens with what the customer does, unless the platform says this does not count.
    let opensWindow = false;
    let lastAt = 0;
    let preview = '';
    let clock = Date.now();
    const inbound: string[] = [];
    for (const row of g.rows) {
      const msg = row.payload;
      const d = await this.bot.decide(g.settings, msg.text!, { integrationId, conversationId: conv.id, inboxEventId: row.id, sentAt: msg.sentAt });
      const plan = this.bot.plan(g.settings, d, failures);
      if (!plan) return false;
      failures = plan.failures;
      const { text, type, platformMessageId, sender: _sender, ...rest } = msg;
      void _sender;
      const messageId = randomUUID();
      inbound.push(messageId);
      opensWindow ||= g.hooks.opensReplyWindow?.(msg, 'customer') ?? true;
      const receivedAt = new Date(row.received_at);
      lastAt = Math.max(lastAt, receivedAt.getTime());
      preview = previewOf(msg);
      // Each event is processed after the previous one's replies, and its replies after it: the
      // times say so (the chat's order is by creation time, and the event's processed_at is when
      // this lane handled it, not the transaction's start).
      clock = Math.max(clock + 1, Date.now(), lastAt + 1);
      const processedAt = new Date(clock);
      const replies = plan.messages.map((m: OutgoingMessage) => {
        // Strictly after the message answered and each other: the chat's order is by creation time.
        clock = Math.max(clock, lastAt) + 1;
        return { m, id: randomUUID(), outboundId: randomUUID(), at: new Date(clock) };
      });
      ev.eventId.push(row.id);
      ev.messageId.push(messageId);
      ev.conversationId.push(conv.id);
      ev.integrationId.push(integrationId);
      ev.type.push(type);
      ev.text.push(text ?? null);
      ev.content.push(JSON.stringify(rest));
      ev.platformMessageId.push(platformMessageId ?? null);
      ev.receivedAt.push(receivedAt);
      ev.source.push(plan.source);
      ev.ruleId.push(d.ruleId);
      ev.firstReply.push(replies[0]?.id ?? null);
      ev.processedAt.push(processedAt);
      for (const r of replies) {
        const t = textOf(r.m);
        rp.messageId.push(r.id);
        rp.outboundId.push(r.outboundId);
        rp.conversationId.push(conv.id);
        rp.integrationId.push(integrationId);
        rp.type.push(r.m.type);
        rp.text.push(t);
        rp.content.push(r.m.type === 'text' && !r.m.eventCode ? null : JSON.stringify(r.m));
        rp.payload.push(JSON.stringify(r.m));
        rp.recipient.push(JSON.stringify({ externalId: g.externalId, kind: 'user' }));
        rp.createdAt.push(r.at);
        lastAt = r.at.getTime();
        preview = (t ?? `[${r.m.type}]`).slice(0, 200);
      }
    }
    for (const k of Object.keys(ev) as (keyof Writes['ev'])[]) (writes.ev[k] as unknown[]).push(...(ev[k] as unknown[]));
    for (const k of Object.keys(rp) as (keyof Writes['rp'])[]) (writes.rp[k] as unknown[]).push(...(rp[k] as unknown[]));
    writes.cv.conversationId.push(conv.id);
    writes.cv.lastMessageAt.push(new Date(lastAt));
    writes.cv.preview.push(preview);
    writes.cv.botFailures.push(failures);
    writes.cv.inbound.push(opensWindow);
    if (rp.outboundId[0]) writes.drains.push({ conversationId: conv.id, outboundId: rp.outboundId[0] });
    writes.inboundMessages.push(...inbound);
    return true;
  }

  /** Every row of the batch in one statement; the counts say whether everything was new. */
  private async write(runner: QueryRunner, w: Writes): Promise<{ inbound: number; claims: number; events: number }> {
    const [counts]: { inbound: number; claims: number; events: number }[] = await prepared(runner, 'inbox-batch-write',
      `WITH ev AS (
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::timestamptz[], $10::text[], $11::uuid[], $12::uuid[], $28::timestamptz[])
           AS x(event_id, message_id, conversation_id, integration_id, type, text, content, platform_message_id, received_at, source, rule_id, first_reply, processed_at)
       ), rp AS (
         SELECT * FROM unnest($13::uuid[], $14::uuid[], $15::uuid[], $16::uuid[], $17::text[], $18::text[], $19::jsonb[], $20::jsonb[], $21::jsonb[], $22::timestamptz[])
           WITH ORDINALITY AS y(message_id, outbound_id, conversation_id, integration_id, type, text, content, payload, recipient, created_at, ord)
       ), cv AS (
         SELECT * FROM unnest($23::uuid[], $24::timestamptz[], $25::text[], $26::int[], $27::boolean[]) AS z(conversation_id, last_message_at, preview, bot_failures, inbound)
       ), ins AS (
         INSERT INTO messages (id, conversation_id, integration_id, direction, type, text, content, status, platform_message_id, inbox_event_id, created_at)
         SELECT message_id, conversation_id, integration_id, 'in', type, text, content, 'received', platform_message_id, event_id, received_at FROM ev
         ON CONFLICT (inbox_event_id) DO NOTHING RETURNING 1
       ), rmsg AS (
         INSERT INTO messages (id, conversation_id, integration_id, direction, type, text, content, status, created_at)
         SELECT message_id, conversation_id, integration_id, 'out', type, text, content, 'queued', created_at FROM rp
       ), rout AS (
         -- In order: a conversation's replies take their outbox seq in the order they answer.
         INSERT INTO outbound_messages (id, message_id, integration_id, conversation_id, recipient, payload, status)
         SELECT outbound_id, message_id, integration_id, conversation_id, recipient, payload, 'queued' FROM rp ORDER BY ord
       ), cl AS (
         INSERT INTO bot_replies (inbox_event_id, conversation_id, source, rule_id, message_id)
         SELECT event_id, conversation_id, source, rule_id, first_reply FROM ev
         ON CONFLICT DO NOTHING RETURNING 1
       ), up AS (
         UPDATE conversations c SET last_message_at = GREATEST(COALESCE(c.last_message_at, z.last_message_at), z.last_message_at),
           last_message_preview = z.preview, last_inbound_at = CASE WHEN z.inbound THEN now() ELSE c.last_inbound_at END,
           bot_failures = z.bot_failures, updated_at = now()
         FROM cv z WHERE c.id = z.conversation_id
       ), done AS (
         UPDATE inbox_events e SET status = 'processed', processed_at = ev.processed_at, attempts = e.attempts + 1
         FROM ev WHERE e.id = ev.event_id AND e.status = 'pending' RETURNING 1
       )
       SELECT (SELECT count(*) FROM ins)::int AS inbound, (SELECT count(*) FROM cl)::int AS claims, (SELECT count(*) FROM done)::int AS events`,
      [
        w.ev.eventId, w.ev.messageId, w.ev.conversationId, w.ev.integrationId, w.ev.type, w.ev.text, w.ev.content, w.ev.platformMessageId, w.ev.receivedAt, w.ev.source, w.ev.ruleId, w.ev.firstReply,
        w.rp.messageId, w.rp.outboundId, w.rp.conversationId, w.rp.integrationId, w.rp.type, w.rp.text, w.rp.content, w.rp.payload, w.rp.recipient, w.rp.createdAt,
        w.cv.conversationId, w.cv.lastMessageAt, w.cv.preview, w.cv.botFailures, w.cv.inbound,
        w.ev.processedAt,
      ],
    );
    return counts!;
  }

  /** After the commit: the replies' drains queued (one Redis round trip), the desk told. */
  private async afterCommit(groups: Group[], w: Writes): Promise<void> {
    countEvent('inbox.processed', w.ev.eventId.length);
    countEvent('bot.decided', w.ev.eventId.length);
    this.signals.signal(w.ev.eventId);
    await this.outbound.dispatchMany(w.drains);
    for (const g of groups) this.notifier.conversationChanged(g.conversation!.id);
    for (const id of w.inboundMessages) this.notifier.messageCreated(id);
  }
}

/**
 * Platform work that needs the per-conversation lane: a trigger (a pull), routing before the bot or
 * a follow-up after it (each its own round trips per message). What runs inside the transaction
 * (inTransaction) and the pure opensReplyWindow the batch does itself.
 */
function needsOwnRun(h: InboxHooks): boolean {
  return !!(h.trigger || h.routeBeforeBot || h.afterCustomerMessage);
}

interface Batchable {
  ref: ConversationRef;
  settings: BotRuntimeSettings;
  hooks: InboxHooks;
}

/** A pooled pg connection's own query: named (prepared) statements, which TypeORM does not offer. */
interface PgConnection {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * Runs a statement of the batch lane as a named prepared statement on the runner's connection:
 * parsed and planned once per pooled connection instead of on every batch (these are large
 * statements that run many times a second; planning cost more than running them).
 */
async function prepared<R>(runner: QueryRunner, name: string, text: string, values: unknown[]): Promise<R[]> {
  const connection = (runner as unknown as { databaseConnection?: PgConnection }).databaseConnection;
  if (!connection) return runner.query(text, values) as Promise<R[]>;
  return (await connection.query<R>({ name, text, values })).rows;
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
