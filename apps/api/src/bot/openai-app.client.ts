import type { IncomingMessage } from 'node:http';
import { appError, httpError, withDeadline } from './app-call';
import { type AppRequest, MAX_APP_RESPONSE_BYTES, MAX_REPLY_CHARS } from './external-app.types';
import { type GuardedStreamClient, readBody } from './guarded-stream.client';
import { SseParser } from './sse-parser';

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The chat-completions body: system prompt, history (oldest first), the customer's message. */
export function chatCompletionsBody(req: AppRequest): { model: string; messages: ChatMessage[]; stream: boolean } {
  const messages: ChatMessage[] = [];
  if (req.config.systemPrompt?.trim()) messages.push({ role: 'system', content: req.config.systemPrompt });
  for (const h of req.history) messages.push({ role: h.role, content: h.text });
  messages.push({ role: 'user', content: req.message.text });
  return { model: req.config.model ?? '', messages, stream: req.config.stream };
}

/** `{url}/chat/completions`, tolerating a trailing slash or a URL that already names the route. */
export function chatCompletionsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

/**
 * An OpenAI-compatible chat-completions endpoint (OpenAI, MaxKB, Dify, FastGPT, most LLM gateways).
 * Streamed answers are assembled whole before anything is sent to the customer.
 */
export class OpenAiAppClient {
  constructor(private readonly http: GuardedStreamClient) {}

  /** The reply text, or throws an AppCallError. */
  ask(req: AppRequest): Promise<string> {
    return withDeadline(req.config.timeoutMs, async (signal) => {
      const res = await this.http.request({
        url: chatCompletionsUrl(req.config.url),
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: req.config.stream ? 'text/event-stream' : 'application/json',
          ...(req.secret ? { authorization: `Bearer ${req.secret}` } : {}),
        },
        body: JSON.stringify(chatCompletionsBody(req)),
        signal,
      });
      if (res.status < 200 || res.status >= 300) {
        const excerpt = await readBody(res.body, 4096).catch(() => '');
        throw httpError(res.status, excerpt);
      }
      const contentType = String(res.headers['content-type'] ?? '');
      // Some servers ignore `stream: true` (or answer an error as JSON): go by what came back.
      const text = contentType.includes('text/event-stream') ? await readStream(res.body) : contentOf(await readBody(res.body, MAX_APP_RESPONSE_BYTES));
      const reply = text.trim();
      if (!reply) throw appError('APP_EMPTY_REPLY', 'the app answered with an empty reply', '外部应用返回了空回答');
      return reply.slice(0, MAX_REPLY_CHARS);
    });
  }
}

function contentOf(raw: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw appError('APP_BAD_RESPONSE', 'the answer is not JSON', '外部应用的回答不是 JSON');
  }
  const choice = (parsed as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== 'string') throw appError('APP_BAD_RESPONSE', 'the answer has no choices[0].message.content', '外部应用的回答缺少 choices[0].message.content');
  return content;
}

/** Assembles choices[0].delta.content of every event until `[DONE]` (or the end of the stream). */
async function readStream(body: IncomingMessage): Promise<string> {
  const parser = new SseParser();
  let text = '';
  let size = 0;
  const take = (events: string[]): boolean => {
    for (const data of events) {
      if (data.trim() === '[DONE]') return true;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw appError('APP_BAD_RESPONSE', 'a stream event is not JSON', '外部应用的流式数据不是 JSON');
      }
      const p = parsed as { error?: { message?: unknown }; choices?: { delta?: { content?: unknown } }[] };
      if (p.error) throw appError('APP_BAD_RESPONSE', `the stream reported an error: ${String(p.error.message ?? '').slice(0, 200)}`, '外部应用在流式回答中报告了错误');
      const piece = p.choices?.[0]?.delta?.content;
      if (typeof piece === 'string') text += piece;
    }
    return false;
  };
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_APP_RESPONSE_BYTES) throw appError('APP_BAD_RESPONSE', `stream larger than ${MAX_APP_RESPONSE_BYTES} bytes`, '外部应用的回答过长');
    if (take(parser.push(chunk))) {
      body.destroy();
      return text;
    }
  }
  take(parser.end());
  return text;
}
