import { createHmac } from 'node:crypto';
import type { Answer } from '@imbridge/contracts';
import { appError, httpError, withDeadline } from './app-call';
import { type AppRequest, MAX_APP_RESPONSE_BYTES, MAX_REPLY_CHARS } from './external-app.types';
import { type GuardedStreamClient, readBody } from './guarded-stream.client';

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`): what X-Imbridge-Signature carries. */
export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex')}`;
}

export function webhookBody(req: AppRequest): Record<string, unknown> {
  return {
    event: 'message',
    integrationId: req.integrationId,
    conversationId: req.conversationId,
    contact: req.contact,
    message: req.message,
    history: req.history,
  };
}

const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && v.length <= 2048 && /^https?:\/\/\S+$/i.test(v);

/** The reply as an Answer: a string, or {text?, images?, links?} with only well-formed parts kept. */
function answerOf(reply: unknown): Answer | null {
  if (typeof reply === 'string') return reply.trim() ? { text: reply.slice(0, MAX_REPLY_CHARS) } : null;
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return null;
  const r = reply as Record<string, unknown>;
  const answer: Answer = {};
  if (typeof r['text'] === 'string' && r['text'].trim()) answer.text = r['text'].slice(0, MAX_REPLY_CHARS);
  if (Array.isArray(r['images'])) {
    const images = r['images'].filter((i): i is { url: string; alt?: string } => typeof i === 'object' && i !== null && isHttpUrl((i as { url?: unknown }).url)).slice(0, 8);
    if (images.length) answer.images = images.map((i) => ({ url: i.url, ...(typeof i.alt === 'string' ? { alt: i.alt } : {}) }));
  }
  if (Array.isArray(r['links'])) {
    const links = r['links']
      .filter((l): l is { title: string; url: string; description?: string } => typeof l === 'object' && l !== null && typeof (l as { title?: unknown }).title === 'string' && isHttpUrl((l as { url?: unknown }).url))
      .slice(0, 16);
    if (links.length) answer.links = links.map((l) => ({ title: l.title.slice(0, 128), url: l.url, ...(typeof l.description === 'string' ? { description: l.description.slice(0, 512) } : {}) }));
  }
  return answer.text || answer.images || answer.links ? answer : null;
}

/**
 * A generic HTTPS webhook: POST JSON signed with HMAC-SHA256 (X-Imbridge-Timestamp,
 * X-Imbridge-Signature); the answer is JSON {reply?: string | Answer, handoff?: boolean}.
 */
export class WebhookAppClient {
  constructor(private readonly http: GuardedStreamClient) {}

  ask(req: AppRequest, now: () => number = Date.now): Promise<{ answer: Answer | null; handoff: boolean }> {
    if (!req.secret) return Promise.reject(appError('APP_NOT_CONFIGURED', 'the webhook has no signing secret', '未设置 Webhook 签名密钥'));
    const secret = req.secret;
    return withDeadline(req.config.timeoutMs, async (signal) => {
      const raw = JSON.stringify(webhookBody(req));
      const timestamp = String(Math.floor(now() / 1000));
      const res = await this.http.request({
        url: req.config.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-imbridge-timestamp': timestamp,
          'x-imbridge-signature': webhookSignature(secret, timestamp, raw),
        },
        body: raw,
        signal,
      });
      const text = await readBody(res.body, MAX_APP_RESPONSE_BYTES);
      if (res.status < 200 || res.status >= 300) throw httpError(res.status, text);
      let parsed: unknown;
      try {
        parsed = text.trim() ? JSON.parse(text) : {};
      } catch {
        throw appError('APP_BAD_RESPONSE', 'the answer is not JSON', '外部应用的回答不是 JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw appError('APP_BAD_RESPONSE', 'the answer is not a JSON object', '外部应用的回答不是 JSON 对象');
      const body = parsed as { reply?: unknown; handoff?: unknown };
      const answer = body.reply === undefined || body.reply === null ? null : answerOf(body.reply);
      if (body.reply !== undefined && body.reply !== null && !answer && body.handoff !== true) {
        throw appError('APP_BAD_RESPONSE', 'reply must be a non-empty string or {text?, images?, links?}', 'reply 需为非空字符串或 {text?, images?, links?}');
      }
      return { answer, handoff: body.handoff === true };
    });
  }
}
