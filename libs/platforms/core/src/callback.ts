import type { InboundMessage } from '@imbridge/contracts';

/** What the generic callback controller hands an adapter: the request as received. */
export interface CallbackRequest {
  method: 'GET' | 'POST';
  /** Query parameters, already URL-decoded once; a repeated parameter is rejected before this. */
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** The raw body bytes (empty for GET). Signatures are computed over these. */
  rawBody: Buffer;
}

/** The integration the callback was addressed to, with secrets already decrypted. */
export interface CallbackContext {
  integrationId: string;
  config: Readonly<Record<string, unknown>>;
  /** 0 = no timestamp check. */
  replayToleranceSeconds: number;
  now: Date;
}

export interface CallbackHttpReply {
  status: number;
  contentType: string;
  body: string;
}

/** One platform event to store in the inbox before the platform gets its answer. */
export interface InboundEvent {
  /**
   * Unique per integration, for as long as the platform may retry: the platform's message id, or a
   * documented composite for id-less events (e.g. WeCom `event:<FromUserName>:<CreateTime>:<Event>`).
   */
  dedupeKey: string;
  /** Groups events that belong to one conversation, processed in order (e.g. the sender's id). */
  conversationKey: string;
  message: InboundMessage;
}

export type CallbackOutcome =
  /** Answer right away, store nothing (URL verification, challenge). */
  | { kind: 'reply'; reply: CallbackHttpReply; diagnostic: string }
  /** Store these events, then answer with `reply` (also for a duplicate). */
  | { kind: 'events'; events: InboundEvent[]; reply: CallbackHttpReply; diagnostic: string };

/**
 * Why a callback was refused. The client always gets one uniform response; the reason goes to
 * the integration's diagnostics so an administrator can see what to fix.
 */
export type CallbackRejectReason =
  | 'missing-parameters'
  | 'signature-mismatch'
  | 'timestamp-out-of-tolerance'
  | 'decrypt-failed'
  | 'receive-id-mismatch'
  | 'malformed-body'
  | 'body-too-large'
  | 'method-not-allowed'
  | 'unknown-integration'
  | 'integration-disabled';

export class CallbackRejected extends Error {
  constructor(
    readonly reason: CallbackRejectReason,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'CallbackRejected';
  }
}

/** Verify → decrypt → parse → normalize. Must verify before anything else, in constant time. */
export interface CallbackHandler {
  handle(req: CallbackRequest, ctx: CallbackContext): Promise<CallbackOutcome> | CallbackOutcome;
}

/** Checks a platform timestamp (seconds) against the tolerance; 0 disables the check. */
export function assertFreshTimestamp(timestampSeconds: string | undefined, ctx: CallbackContext): void {
  if (ctx.replayToleranceSeconds <= 0) return;
  if (timestampSeconds === undefined || !/^\d{1,13}$/.test(timestampSeconds)) {
    throw new CallbackRejected('missing-parameters', 'timestamp');
  }
  let ts = Number(timestampSeconds);
  if (timestampSeconds.length === 13) ts = Math.floor(ts / 1000); // milliseconds (DingTalk)
  const skew = Math.abs(ctx.now.getTime() / 1000 - ts);
  if (skew > ctx.replayToleranceSeconds) {
    throw new CallbackRejected('timestamp-out-of-tolerance', `${Math.round(skew)}s`);
  }
}
