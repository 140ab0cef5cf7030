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
