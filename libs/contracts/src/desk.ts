import type { ConversationView, MessageView } from './api';
import type { I18nText } from './platform';

/** An agent's presence: chosen by the agent (online/away); offline when no console tab is connected. */
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface AgentView {
  id: string;
  username: string;
  displayName: string | null;
  role: 'admin' | 'agent';
  status: PresenceStatus;
  /** Chats auto-assignment gives this agent at most. */
  capacity: number;
  /** Sees every chat, not only the queue and their own: admins always, agents when an admin granted it. */
  canViewAllChats: boolean;
  /** Chats assigned to this agent now. */
  activeChats: number;
}

export interface CannedReplyView {
  id: string;
  /** Typed after `/` in the composer: letters, digits, `-` and `_`. */
  shortcut: string;
  title: string;
  text: string;
  updatedAt: string;
}

/** The customer behind a conversation, for the desk's side panel. */
export interface ContactProfileView {
  id: string;
  integrationId: string;
  externalId: string;
  displayName: string | null;
  firstSeenAt: string;
  /** Messages to and from this person (all their conversations; notes not counted). */
  messageCount: number;
  /** Of which the person wrote. */
  inboundMessageCount?: number;
  /** Every conversation of this person (same external id) on any integration. */
  conversations: ConversationView[];
}

/**
 * Realtime events of the desk, pushed over socket.io (path `/api/socket.io`). The server sends every
 * event as `desk` with one of these payloads; clients refetch on reconnect.
 * - `conversation.updated`: state, assignee, unread count or last message changed.
 * - `message.created` / `message.updated`: a message appeared or its delivery status changed.
 * - `presence.updated`: an agent's presence or active chat count changed.
 */
export type DeskEvent =
  | { type: 'conversation.updated'; conversation: ConversationView }
  | { type: 'message.created'; conversationId: string; message: MessageView }
  | { type: 'message.updated'; conversationId: string; message: MessageView }
  | { type: 'presence.updated'; agent: AgentView };

/** The socket.io event name that carries every DeskEvent. */
export const DESK_EVENT = 'desk';
/** The socket.io path, under /api so one reverse-proxy rule covers it. */
export const DESK_SOCKET_PATH = '/api/socket.io';

/**
 * How long after the customer's last message the business may still write (a platform rule, declared
 * by its sender): 微信客服 48 h and 5 messages; 公众号 customer-service messages 48 h; none for apps.
 */
export interface ReplyWindowRule {
  hours: number;
  /** Messages the business may send per customer message, when limited. */
  maxMessages?: number;
  /** Why, in words, for the composer. */
  description: I18nText;
}

export interface ReplyWindowView {
  /** False when there is no window rule for the channel (always open). */
  limited: boolean;
  open: boolean;
  /** When the window closes (ISO), if limited and open. */
  closesAt: string | null;
  /** Messages still allowed, if the rule counts them. */
  remainingMessages: number | null;
  /** How many messages the rule allows in all, if it counts them (5 for 微信客服; 公众号 depends on the trigger). */
  maxMessages?: number | null;
  /** Why it is closed or what the rule is, for the composer. */
  reason: I18nText | null;
  /** When closed: the customer never wrote, the time ran out, or the message quota is used up. */
  closedBy?: 'no-inbound' | 'expired' | 'quota';
  /**
   * The channel cannot send on its own (a 公众号 without the customer-service API): messages are held
   * and handed out as the reply to the customer's next message. `open` is true; `reason` says so.
   */
  deliveredOnNextMessage?: boolean;
}

/** One answer, platform-neutral: text with simple markdown, images and links; each sender renders it. */
export interface Answer {
  text?: string;
  images?: { url: string; alt?: string }[];
  links?: { title: string; url: string; description?: string }[];
}

/** What the sender of a channel would send for an Answer (the console's preview). */
export interface RenderedPart {
  type: 'text' | 'markdown' | 'image' | 'news' | 'textcard' | 'file';
  /** Exactly what is sent, as the platform shows it (plain text after markdown degradation). */
  preview: string;
  bytes?: number;
}

export type BotStepKind = 'keyword' | 'faq' | 'app';

export interface BotStepSetting {
  step: BotStepKind;
  enabled: boolean;
}

/** The external app of an integration's bot: an OpenAI-compatible chat endpoint or a signed webhook. */
export interface BotExternalAppConfig {
  kind: 'openai' | 'webhook';
  /** openai: the base URL ending before /chat/completions (e.g. https://api.example.com/v1); webhook: the full URL. */
  url: string;
  /** openai: the model or app id. */
  model?: string;
  systemPrompt?: string;
  /** Earlier messages of the conversation sent along (0..50). */
  historyMessages: number;
  timeoutMs: number;
  /** openai: ask for a streamed answer (assembled before sending). */
  stream: boolean;
  /** A reply containing this marker hands the chat to agents (the marker is removed). */
  handoffMarker?: string;
}

export interface BotSettingsView {
  integrationId: string;
  steps: BotStepSetting[];
  faqThreshold: number;
  faqSuggestions: boolean;
  fallbackText: string | null;
  handoffAfterFailures: number;
  handoffKeywords: string[];
  autoAssign: boolean;
  externalApp: BotExternalAppConfig | null;
  /** The app's key/secret: never returned, only whether it is set and its last 4 characters. */
  appSecret: { set: boolean; last4: string | null };
  updatedAt: string | null;
}

export interface FaqEntryView {
  id: string;
  integrationId: string | null;
  category: string;
  question: string;
  similarQuestions: string[];
  answer: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** POST /api/faq/import: what an import did (or, in a dry run, would do). */
export interface FaqImportReport {
  created: number;
  updated: number;
  deleted: number;
  /** Rows with errors left out (only with skipInvalid, or counted in a dry run). */
  skipped: number;
  errors: { row: number; message: I18nText }[];
  /** False for a dry run, and when row errors stopped the import (nothing was written). */
  applied: boolean;
}

/** POST /api/faq/test: the best entry at or above the threshold, and "did you mean" suggestions below it. */
export interface FaqTestResult {
  entry: FaqEntryView | null;
  score: number;
  /** The phrasing that matched best (the question or one of its similar questions). */
  matchedQuestion: string | null;
  suggestions: { id: string; question: string; score: number }[];
  threshold: number;
}

export interface DeadLetterView {
  messageId: string;
  conversationId: string;
  integrationId: string;
  integrationName: string;
  contact: { externalId: string; displayName: string | null };
  text: string | null;
  type: string;
  attempts: number;
  error: { code: string; message: string; platformCode?: string } | null;
  /** Advice for the admin, when the error code has some. */
  advice: I18nText | null;
  failedAt: string;
}
