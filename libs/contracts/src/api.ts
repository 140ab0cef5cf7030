import type { I18nText, PlatformId } from './platform';

/** Shapes of the public REST API (documented at /api/docs), shared with the console. */
export type UserRole = 'admin' | 'agent';

export interface LoginRequest {
  username: string;
  password: string;
}
export interface LoginResponse {
  accessToken: string;
  user: UserView;
}
export interface UserView {
  id: string;
  username: string;
  displayName: string | null;
  role: UserRole;
  /** Sees every chat: administrators always, agents an administrator granted it (optional for older servers). */
  canViewAllChats?: boolean;
  createdAt: string;
}

/** A secret field as the API shows it: never the value. */
export interface MaskedSecret {
  set: boolean;
  last4: string | null;
  updatedAt: string | null;
}

export interface IntegrationView {
  id: string;
  platform: PlatformId;
  name: string;
  enabled: boolean;
  /** Non-secret fields with their values; secret fields as MaskedSecret. */
  config: Record<string, string | number | boolean | MaskedSecret | null>;
  callbackUrl: string;
  createdAt: string;
  updatedAt: string;
  /** Last problem that needs an administrator (e.g. 60020 IP not trusted), or null. */
  lastError: { code: string; message: string; at: string } | null;
  /** The integration's own send budget (platform calls per second), or null for the default. */
  sendRatePerSecond: number | null;
  /** The budget that applies while `sendRatePerSecond` is null (the operator's, else the platform's default). */
  defaultSendRatePerSecond: number;
}

export interface CreateIntegrationRequest {
  platform: PlatformId;
  name: string;
  enabled?: boolean;
  config: Record<string, unknown>;
  /** SEND_RATE_MIN..SEND_RATE_MAX; null or absent: the default. */
  sendRatePerSecond?: number | null;
}

/** Omitted secret fields keep their stored value; `null` clears an optional field. */
export interface UpdateIntegrationRequest {
  name?: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
  /** SEND_RATE_MIN..SEND_RATE_MAX; null: back to the default; absent: unchanged. */
  sendRatePerSecond?: number | null;
}

export type ConversationState = 'bot' | 'queued' | 'assigned' | 'closed';

export interface ConversationView {
  id: string;
  integrationId: string;
  platform: PlatformId;
  state: ConversationState;
  contact: { id: string; externalId: string; displayName: string | null };
  assigneeId: string | null;
  lastMessageAt: string | null;
  lastMessagePreview: string | null;
  createdAt: string;
  /** Customer messages the assignee has not read yet. */
  unreadCount: number;
  /** When the chat last entered the queue (handoff), for "waiting since". */
  queuedAt: string | null;
  /** When the customer last wrote; the reply windows count from here. */
  lastInboundAt: string | null;
  /**
   * 微信客服: the WeCom servicer (userid) answering this chat from the WeCom client; the desk shows it
   * read-only and refuses sends. null for every other chat.
   */
  externalServicer: string | null;
}

/** 'note' is an agents-only internal note: stored and shown in the desk, never sent. */
export type MessageDirection = 'in' | 'out' | 'note';
/** `held`: a 公众号 answer waiting to be handed out as the passive reply to the user's next message. */
export type MessageStatus = 'received' | 'queued' | 'sending' | 'sent' | 'failed' | 'held';

export interface MessageView {
  id: string;
  conversationId: string;
  direction: MessageDirection;
  type: string;
  text: string | null;
  content: Record<string, unknown> | null;
  status: MessageStatus;
  error: { code: string; message: string; platformCode?: string } | null;
  createdAt: string;
  sentAt: string | null;
  /** The agent who wrote it (out/note); null for the customer and the bot. */
  authorId: string | null;
}

/** Error body of every API error: stable `code`, human `message` (en) and `messageZh`. */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  messageZh?: string;
  details?: unknown;
}

export interface Paginated<T> {
  items: T[];
  total: number;
}

/**
 * One unit of an inbound source that is not a callback (a cursor pull per account, a long-lived
 * connection per integration), as the supervisor last reported it:
 * `GET /api/integrations/:id/inbound-sources`.
 */
export interface InboundSourceStatusView {
  /** The source's id (stable, e.g. for support) and its name for people. */
  source: string;
  label: I18nText;
  kind: 'cursor-pull' | 'connection';
  /** The unit pulled (e.g. an account id); '' for a connection. */
  unit: string;
  /** Pulls: 'idle' between pulls, 'pulling' during one. Connections: 'connecting', 'connected', 'down'. */
  state: 'idle' | 'pulling' | 'connecting' | 'connected' | 'down';
  /** The process that ran it last (host:pid). */
  holder: string | null;
  lastStartedAt: string | null;
  lastSuccessAt: string | null;
  lastError: { at: string; message: string } | null;
  detail: string | null;
}
