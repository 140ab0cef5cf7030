import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { type CallbackAnswer, CallbackIngestService, UNIFORM_REJECTION } from './callback-ingest.service';

/**
 * Reads the query string from the raw URL: no '+'-as-space (a base64 echostr keeps its '+'), and a repeated
 * parameter makes the request ambiguous, so it is refused.
 */
export function parseRawQuery(url: string): Record<string, string> | null {
  const q = url.indexOf('?');
  // No prototype: `__proto__=x` is an ordinary (and, when repeated, refused) parameter, and an absent
  // `constructor` reads as undefined.
  const out = Object.create(null) as Record<string, string>;
  if (q < 0) return out;
  for (const part of url.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      return null;
    }
    if (Object.hasOwn(out, key)) return null;
    out[key] = value;
  }
  return out;
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
    return this.handle('GET', platform, id, req, reply);
  }

  @Post(':platform/:integrationId')
  post(@Param('platform') platform: string, @Param('integrationId') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle('POST', platform, id, req, reply);
  }

  private async handle(method: 'GET' | 'POST', platform: string, integrationId: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = parseRawQuery(req.raw.url ?? '');
    // The caller hanging up before we answered (WeChat gives up after 5 s).
    const gone = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableEnded) gone.abort();
    };
    reply.raw.on('close', onClose);
    try {
      const result: CallbackAnswer = query
        ? await this.ingest.handle({
            method,
            platform,
            integrationId,
            query,
            headers: req.headers as Record<string, string | undefined>,
            rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
            signal: gone.signal,
          })
        : UNIFORM_REJECTION;
      if (result.hold) {
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
      reply.raw.off('close', onClose);
    }
  }
}
