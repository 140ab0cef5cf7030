import type { OutgoingMessage, RenderedPart } from '@imbridge/contracts';
import type { HttpClient } from './http-client';

/**
 * Access tokens shared by every process (Redis-backed in the API). `get` is single-flight across
 * processes; `invalidate` drops the token only if it is still the one that failed.
 */
export interface TokenProvider {
  get(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string>;
  invalidate(key: string, failedToken: string): Promise<void>;
}

/** Where a message goes: a user, or a group chat, on the integration. */
export interface Recipient {
  /** The platform's id of the user or chat (WeCom UserID, openid, chat_id …). */
  externalId: string;
  kind: 'user' | 'chat';
}

export interface SendContext {
  integrationId: string;
  config: Readonly<Record<string, unknown>>;
  tokens: TokenProvider;
  http: HttpClient;
  /** Our outbound message id: an idempotency key where the platform takes one. */
  idempotencyKey: string;
  /**
   * True when an earlier attempt of this message started and its outcome is unknown (the process
   * died or the call timed out after the request left): the platform may have delivered it.
   */
  inDoubt?: boolean;
  /** Content claims for platforms that de-duplicate by content (see ContentClaims); absent in tools and tests that need none. */
  claims?: ContentClaims;
}

/**
 * For platforms whose only idempotency is "the same content within an interval is delivered once"
 * (WeCom's duplicate check): a claim says which of our messages first used a content digest, so that
 * a retry of that message is recognised as the same send (and dropped by the platform if it had
 * arrived), while a different message that happens to have the same content is told to vary it.
 * Shared by every process (Redis-backed in the API), scoped to the integration.
 */
export interface ContentClaims {
  /**
   * Claims `digest` for this message (`SendContext.idempotencyKey`) for `ttlSeconds`. True when the
   * digest was free or is already this message's; false when another message holds it.
   */
  claim(digest: string, ttlSeconds: number): Promise<boolean>;
}

export interface SendResult {
  /** The platform's id of each message it accepted (a long text may become several). */
  platformMessageIds: string[];
  /** Parts actually sent, for diagnostics (e.g. a split text). */
  parts: number;
}

/** A file we hold (e.g. an image an agent uploaded) to hand to the platform before sending it. */
export interface UploadFile {
  kind: 'image' | 'file';
  bytes: Buffer;
  fileName: string;
  contentType: string;
}

export interface Sender {
  send(ctx: SendContext, to: Recipient, message: OutgoingMessage): Promise<SendResult>;
  /**
   * Optional: uploads our file to the platform and returns the platform's media id, which `send`
   * then takes as `{type: kind, mediaId}`. Platforms that cannot upload leave it out.
   */
  upload?(ctx: SendContext, file: UploadFile): Promise<string>;
  /** What the recipient would see for `message` (split, degraded), without sending: the console's preview. */
  render?(message: OutgoingMessage): RenderedPart[];
}

export interface CredentialCheckResult {
  ok: boolean;
  /** Platform code and advice, zh/en, when not ok. */
  platformCode?: string;
  message?: string;
  advice?: { zh: string; en: string };
}

/** "Test connection": fetch a token with the saved credentials and explain failures. */
export interface CredentialVerifier {
  verify(ctx: Omit<SendContext, 'idempotencyKey'>): Promise<CredentialCheckResult>;
}
