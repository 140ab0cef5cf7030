import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BotExternalAppConfig } from '@imbridge/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppCallError } from './app-call';
import type { AppRequest, AppResult, HistoryItem } from './external-app.types';
import { GuardedStreamClient } from './guarded-stream.client';
import { OpenAiAppClient } from './openai-app.client';
import { WebhookAppClient } from './webhook-app.client';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Removes every occurrence of the marker; whether there was one. */
export function stripMarker(text: string, marker: string | undefined): { text: string; found: boolean } {
  if (!marker) return { text, found: false };
  const re = new RegExp(escapeRe(marker), 'g');
  const found = re.test(text);
  return { text: found ? text.replace(re, '').trim() : text, found };
}

/** The external app step: asks the configured app, never throws (a failure is a result). */
@Injectable()
export class ExternalAppService {
  private readonly logger = new Logger('BotExternalApp');
  private readonly openai: OpenAiAppClient;
  private readonly webhook: WebhookAppClient;

  constructor(
    private readonly ds: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const http = new GuardedStreamClient(config.allowPrivateUrls);
    this.openai = new OpenAiAppClient(http);
    this.webhook = new WebhookAppClient(http);
  }

  /**
   * The conversation's last `limit` text messages before the inbox event's own (oldest first):
   * customer messages as `user`, ours as `assistant`; notes and non-text messages are left out.
   */
  async history(conversationId: string, limit: number, excludeInboxEventId: string | null): Promise<HistoryItem[]> {
    if (limit <= 0) return [];
    const rows: { direction: 'in' | 'out'; text: string; created_at: Date }[] = await this.ds.query(
      `SELECT direction, text, created_at FROM messages
       WHERE conversation_id = $1 AND direction IN ('in', 'out') AND type IN ('text', 'markdown') AND text IS NOT NULL AND text <> ''
         AND ($2::bigint IS NULL OR inbox_event_id IS DISTINCT FROM $2::bigint)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [conversationId, excludeInboxEventId, limit],
    );
    return rows.reverse().map((r) => ({ role: r.direction === 'in' ? 'user' : 'assistant', text: r.text, at: new Date(r.created_at).toISOString() }));
  }

  async ask(req: AppRequest): Promise<AppResult> {
    const started = Date.now();
    try {
      if (req.config.kind === 'openai') {
        const raw = await this.openai.ask(req);
        const { text, found } = stripMarker(raw, req.config.handoffMarker);
        return { ok: true, answer: text ? { text } : {}, handoff: found };
      }
      const { answer, handoff } = await this.webhook.ask(req);
      if (!answer && !handoff) {
        return { ok: false, error: { code: 'APP_EMPTY_REPLY', message: 'the webhook answered without a reply', messageZh: 'Webhook 未给出回答' } };
      }
      const stripped = answer?.text !== undefined ? stripMarker(answer.text, req.config.handoffMarker) : { text: undefined, found: false };
      const finalAnswer = answer ? { ...answer, ...(stripped.text !== undefined ? { text: stripped.text || undefined } : {}) } : {};
      return { ok: true, answer: finalAnswer, handoff: handoff || stripped.found };
    } catch (err) {
      const error = err instanceof AppCallError ? err.error : { code: 'APP_UNREACHABLE' as const, message: (err as Error).message, messageZh: '调用外部应用失败' };
      // The reason and where, never the key or the conversation's text.
      this.logger.warn(`${describe(req.config)} did not answer (${error.code}) after ${Date.now() - started} ms: ${error.message}`);
      return { ok: false, error };
    }
  }
}

function describe(config: BotExternalAppConfig): string {
  let host = '?';
  try {
    host = new URL(config.url).host;
  } catch {
    // refused at save; logged as '?'
  }
  return `${config.kind} app at ${host}`;
}
