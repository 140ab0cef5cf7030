import type { Answer, BotExternalAppConfig } from '@imbridge/contracts';

/** Why an external app did not answer; the pipeline then moves on (fallback). */
export type AppErrorCode = 'APP_TIMEOUT' | 'APP_HTTP_ERROR' | 'APP_BAD_RESPONSE' | 'APP_EMPTY_REPLY' | 'APP_URL_NOT_ALLOWED' | 'APP_UNREACHABLE' | 'APP_NOT_CONFIGURED';

export interface AppError {
  code: AppErrorCode;
  message: string;
  messageZh: string;
}

export type AppResult = { ok: true; answer: Answer; handoff: boolean } | { ok: false; error: AppError };

export interface HistoryItem {
  role: 'user' | 'assistant';
  text: string;
  at: string;
}

/** What an app is asked: the message, its conversation (absent in a dry run) and the history. */
export interface AppRequest {
  config: BotExternalAppConfig;
  /** The API key (openai) or HMAC secret (webhook), decrypted; never logged. */
  secret: string | null;
  integrationId: string;
  conversationId: string | null;
  contact: { externalId: string; displayName: string | null };
  message: { type: string; text: string; sentAt: string };
  history: HistoryItem[];
}

/** Largest app response read (a whole non-streamed body, or the assembled stream). */
export const MAX_APP_RESPONSE_BYTES = 1024 * 1024;
/** Longest reply text kept (the sender splits long texts further per channel). */
export const MAX_REPLY_CHARS = 20_000;
