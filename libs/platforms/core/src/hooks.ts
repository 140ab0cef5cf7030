import type { I18nText, InboundMessage, OutgoingMessage, PlatformId, ReplyWindowView } from '@imbridge/contracts';
import type { CallbackHttpReply, InboundEvent } from './callback';

/**
 * Capabilities that change what the generic pipeline (callbacks → inbox → bot/desk → outbox) does for
 * one platform. They live in the API next to the platform's tables (they need the database), one
 * provider per platform marked @RegisterPlatformHooks(), found by the registry at boot. The pipeline
 * calls them and never asks which platform it is talking to. See README.md "How to add a platform".
 */

/** Runs SQL in the caller's transaction (a TypeORM EntityManager satisfies it). */
export interface SqlExecutor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** An integration as the pipeline sees it: secrets already decrypted. */
export interface IntegrationRef {
  id: string;
  platform: string;
  enabled: boolean;
  config: Readonly<Record<string, unknown>>;
}

/**
 * Who wrote a stored message, read from the normalizer's flags in `extra` (see `inboundOrigin`):
 * `customer`; `servicer` — someone answering on the platform's own client, stored as our outgoing
 * message; `history` — imported, never answered nor unread; `pager` — a request for the next page of a
 * long answer that the callback answers itself (never the bot).
 */
export type InboundOrigin = 'customer' | 'servicer' | 'history' | 'pager';

/** The flags a normalizer (or a hook before storing) sets in `InboundMessage.extra`. */
export const ORIGIN_FLAGS = { servicer: 'from_servicer', history: 'history', pager: 'pager' } as const;

export function inboundOrigin(m: InboundMessage): InboundOrigin {
  if (m.extra?.[ORIGIN_FLAGS.servicer] === '1') return 'servicer';
  if (m.extra?.[ORIGIN_FLAGS.history] === '1') return 'history';
  if (m.extra?.[ORIGIN_FLAGS.pager] === '1') return 'pager';
  return 'customer';
}

/** A stored inbox event that is a request to fetch messages, not a message (e.g. "new messages, pull"). */
export interface InboundTrigger {
  /** The cursor-pull source (its `name`) that fetches them. */
  source: string;
  /** The unit of that source to pull (e.g. one customer-service account). */
  unit: string;
  /** Handed to the source before the pull (e.g. a short-lived token that lifts a rate limit). */
  hint?: string;
}

export interface InboxHookContext {
  integrationId: string;
  conversationId: string;
  inboxEventId: string;
  origin: InboundOrigin;
}

/** Work a hook asks for once the inbox transaction has committed (dispatching what it wrote, calling the platform). */
export type AfterCommit = () => Promise<void>;

/**
 * Capability 'inbox-hooks': what a platform adds to storing an inbound event. Every member is optional.
 */
export interface InboxHooks {
  /**
   * Before anything is stored: is this event a trigger (see InboundTrigger)? The inbox then runs the
   * source's pull and marks the event processed; a failed pull counts as a failed attempt of the event.
   */
  trigger?(message: InboundMessage, conversationKey: string): InboundTrigger | null;
  /**
   * Whether the customer's message opens the reply window (`conversations.last_inbound_at`). Default:
   * every message of the customer (and pager requests). A platform whose system events do not reset
   * its quota answers false for them.
   */
  opensReplyWindow?(message: InboundMessage, origin: InboundOrigin): boolean;
  /**
   * Inside the inbox transaction, after the message row, state and unread count are written: write
   * what commits with the event (a platform session change, a welcome message). Returns the work to
   * do after the commit, or null.
   */
  inTransaction?(tx: SqlExecutor, ctx: InboxHookContext, message: InboundMessage): Promise<AfterCommit | null>;
  /**
   * A customer's message in a chat with the bot, before the bot sees it: true when the platform routed
   * it elsewhere (e.g. straight to the agents' queue), so the bot stays silent. Failures are logged and
   * count as false.
   */
  routeBeforeBot?(ctx: InboxHookContext, message: InboundMessage): Promise<boolean>;
  /**
   * After a customer's message was handled (in any conversation state): e.g. keep the platform's own
   * session state in step. Failures are logged, never retried by the inbox.
   */
  afterCustomerMessage?(ctx: InboxHookContext, message: InboundMessage): Promise<void>;
}

/** The answer a synchronous reply gives: an HTTP reply now, or hold the request open (no answer yet). */
export type CallbackReplyAnswer = { reply: CallbackHttpReply } | { hold: true };

/**
 * Capability 'callback-reply': the platform takes our answer in the HTTP response to its callback
 * (passive replies), instead of through a send API. Called for callbacks carrying exactly one event.
 */
export interface CallbackReplies {
  /** Before the event is stored: may mark it (e.g. `extra.pager` for a "next page" request). */
  beforeStore?(integration: IntegrationRef, event: InboundEvent): Promise<void>;
  /**
   * After the event is stored (`storedEventId`, null for a duplicate delivery): the reply for this
   * delivery, or hold (the platform delivers again). `signal` aborts when the caller gave up.
   */
  respond(integration: IntegrationRef, req: { query: Record<string, string>; signal?: AbortSignal }, event: InboundEvent, storedEventId: string | null): Promise<CallbackReplyAnswer>;
}

/** What to do with a queued outbound message before it is sent. */
export type DeliveryDecision =
  | { action: 'send' }
  /** Keep it (`awaiting_pickup`, shown as held) until the platform picks it up (see CallbackReplies). */
  | { action: 'hold' }
  /** Never sendable on this channel: dead-lettered with this error. */
  | { action: 'refuse'; error: { code: string; message: string; platformCode: string } };

/** Capability 'delivery-policy': whether and how a message may go out on this integration. */
export interface DeliveryPolicy {
  decide(integration: IntegrationRef, payload: OutgoingMessage): DeliveryDecision;
}

export interface ReplyWindowContext {
  conversationId: string;
  integration: IntegrationRef;
  now: Date;
  db: SqlExecutor;
  /** Messages we sent or queued since `since`, counted as the platform counts them. */
  sentSince(since: Date): Promise<number>;
}

/**
 * Capability 'reply-window-policy': the reply window computed from the integration's configuration
 * and the conversation (instead of the descriptor's static `replyWindow`). null: use the descriptor's.
 */
export interface ReplyWindowPolicy {
  view(ctx: ReplyWindowContext): Promise<ReplyWindowView | null>;
}

/** The context of one pull of one unit (see CursorPullSource). */
export interface PullContext {
  integrationId: string;
  unit: string;
  /** Extends the pull's lock; false when it was lost (another process may pull now): stop at once. */
  keepAlive(): Promise<boolean>;
  /** True once the process is shutting down: stop after the page in hand (the supervisor pulls again later). */
  stopping(): boolean;
  /** Stores fetched events in the inbox and dispatches them (outside any transaction of the source). */
  ingest(events: InboundEvent[]): Promise<number>;
}

/**
 * Capability 'cursor-pull': an inbound source read by cursor (微信客服 sync_msg today, the archive's
 * seq next). The supervisor runs one pull per (integration, unit) at a time across all processes,
 * coalesces requests that arrive meanwhile, pulls every unit periodically, stops pulls between pages
 * on shutdown, and reports each unit's last run.
 */
export interface CursorPullSource {
  readonly kind: 'cursor-pull';
  /** Unique among sources; part of lock keys and status. */
  readonly name: string;
  /** What the console calls it. */
  readonly label: I18nText;
  readonly platform: PlatformId;
  /** The units pulled periodically for an enabled integration of the platform (may call the platform). */
  units(integration: IntegrationRef): Promise<string[]>;
  /**
   * Pulls until caught up, committing the cursor with what each page stored. 'more': stopped early
   * (page cap, shutdown): the supervisor makes sure it is pulled again.
   */
  pull(ctx: PullContext): Promise<'done' | 'more'>;
  /** A trigger's hint (see InboundTrigger) before the pull it asks for. */
  noteHint?(integrationId: string, unit: string, hint: string): Promise<void>;
}

/** The context of one long-lived connection (see ConnectionSource). */
export interface ConnectionContext {
  integration: IntegrationRef;
  /** Aborted to close the connection (shutdown, integration disabled, lock lost). */
  signal: AbortSignal;
  /** Tell the supervisor the connection is up (for status and backoff reset). */
  connected(detail?: string): void;
  /** Stores received events in the inbox and dispatches them; resolve before acknowledging the platform. */
  ingest(events: InboundEvent[]): Promise<number>;
}

/**
 * Capability 'connection': an inbound source that holds a long-lived connection (Feishu's long
 * connection, DingTalk Stream). The supervisor keeps exactly one per enabled integration across all
 * processes (a Redis lock), reconnects with backoff, closes it on shutdown, and reports its state.
 */
export interface ConnectionSource {
  readonly kind: 'connection';
  readonly name: string;
  readonly label: I18nText;
  readonly platform: PlatformId;
  /** Resolves or rejects when the connection ends (closed by either side). */
  connect(ctx: ConnectionContext): Promise<void>;
}

export type InboundSource = CursorPullSource | ConnectionSource;

/**
 * One per platform that needs them, in the API: the platform's hooks into the generic pipeline. The
 * registry refuses to boot when a member's capability is not declared in the descriptor, a declared
 * one is implemented by nobody, or two providers claim one platform.
 */
export interface PlatformHooks {
  readonly platform: PlatformId;
  readonly inbox?: InboxHooks;
  readonly callbackReplies?: CallbackReplies;
  readonly delivery?: DeliveryPolicy;
  readonly replyWindow?: ReplyWindowPolicy;
  readonly sources?: readonly InboundSource[];
}
