import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { CallbackIngestService, UNIFORM_REJECTION } from './callback-ingest.service';

/**
 * Reads the query string from the raw URL: no '+'-as-space (WeCom's base64 echostr), and a repeated
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
    const result = query
      ? await this.ingest.handle({
          method,
          platform,
          integrationId,
          query,
          headers: req.headers as Record<string, string | undefined>,
          rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        })
      : UNIFORM_REJECTION;
    await reply.status(result.status).header('content-type', result.contentType).header('cache-control', 'no-store').send(result.body);
  }
}
