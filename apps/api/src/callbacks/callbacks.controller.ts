import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { type CallbackAnswer, CallbackIngestService, UNIFORM_REJECTION } from './callback-ingest.service';

/**
 * Reads the query string from the raw URL: no '+'-as-space (a base64 echostr keeps its '+'), and a repeated
 * parameter makes the request ambiguous, so it is refused. Percent-escapes are decoded once, keys too; a
 * bad escape refuses the request (null).
 */
export function parseRawQuery(url: string): Record<string, string> | null {
  const q = url.indexOf('?');
  // No prototype: `__proto__=x` is an ordinary (and, when repeated, refused) parameter, and an absent
  // `constructor` reads as undefined.
  const out = Object.create(null) as Record<string, string>;
  if (q < 0) return out;
  const n = url.length;
  let start = q + 1;
  while (start <= n) {
    let end = url.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = url.indexOf('=', start);
      const keyEnd = eq < 0 || eq > end ? end : eq;
      const key = decodeComponent(url, start, keyEnd);
      const value = keyEnd === end ? '' : decodeComponent(url, keyEnd + 1, end);
      if (key === null || value === null || Object.hasOwn(out, key)) return null;
      out[key] = value;
    }
    start = end + 1;
  }
  return out;
}

/** One key or value: decoded only when it holds a '%' (most callback parameters do not); null when malformed. */
function decodeComponent(url: string, from: number, to: number): string | null {
  const raw = url.slice(from, to);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The longest a held callback stays open (WeChat closes it after 5 s). */
const HOLD_MAX_MS = 20_000;

function waitForAbort(signal: AbortSignal, maxMs: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, maxMs);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** One generic endpoint for every platform: GET|POST /callbacks/:platform/:integrationId. */
@ApiExcludeController()
@Public()
@Controller('callbacks')
export class CallbacksController {
  constructor(private readonly ingest: CallbackIngestService) {}

  @Get(':platform/:integrationId')
  get(@Param('platform') platform: string, @Param('integrationId') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle('GET', platform, id, req, reply, Buffer.alloc(0));
  }

  /** Reached only where the body was not read before Fastify's parser (see answerPost). */
  @Post(':platform/:integrationId')
  post(@Param('platform') platform: string, @Param('integrationId') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle('POST', platform, id, req, reply, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  }

  /**
   * A POST answered from its route's onRequest hook with the raw body already read (bootstrap.ts,
   * answerCallbackPosts): Fastify's body parser, which costs a new AsyncResource per request, and
   * Nest's per-request pipeline are skipped; everything else is the same as for `post`.
   */
  answerPost(platform: string, integrationId: string, req: FastifyRequest, reply: FastifyReply, body: Buffer): Promise<void> {
    return this.handle('POST', platform, integrationId, req, reply, body);
  }

  private async handle(method: 'GET' | 'POST', platform: string, integrationId: string, req: FastifyRequest, reply: FastifyReply, rawBody: Buffer): Promise<void> {
    const query = parseRawQuery(req.raw.url ?? '');
    // Whether the caller hung up before we answered (WeChat gives up after 5 s) matters only to a platform
    // that may hold its answer (one answered in the HTTP response): only then is the connection watched.
    const gone = this.ingest.mayHold(platform) ? new AbortController() : undefined;
    const onClose = () => {
      if (!reply.raw.writableEnded) gone?.abort();
    };
    if (gone) reply.raw.on('close', onClose);
    try {
      const result: CallbackAnswer = query
        ? await this.ingest.handle({
            method,
            platform,
            integrationId,
            query,
            headers: req.headers as Record<string, string | undefined>,
            rawBody,
            ...(gone ? { signal: gone.signal } : {}),
          })
        : UNIFORM_REJECTION;
      if (result.hold && gone) {
        // Answer nothing: the platform times out and delivers the same callback again. A caller that
        // is not WeChat and keeps waiting gets the acknowledgement after HOLD_MAX_MS.
        await waitForAbort(gone.signal, HOLD_MAX_MS);
        if (gone.signal.aborted) {
          // The connection is gone: nothing to send, and Fastify must not try.
          reply.hijack();
          return;
        }
      }
      await reply.status(result.status).header('content-type', result.contentType).header('cache-control', 'no-store').send(result.body);
    } finally {
      if (gone) reply.raw.off('close', onClose);
    }
  }
}
