import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorBody } from '@imbridge/contracts';
import { UNIFORM_REJECTION } from '../callbacks/callback-ingest.service';

/**
 * One error shape for the API ({statusCode, code, message, messageZh}); on callback routes every
 * failure before the adapter (oversized or unreadable body) gets the uniform rejection instead.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if ((req.url ?? '').startsWith('/callbacks/')) {
      void reply.status(UNIFORM_REJECTION.status).header('content-type', UNIFORM_REJECTION.contentType).send(UNIFORM_REJECTION.body);
      return;
    }
    let body: ApiErrorBody;
    if (exception instanceof HttpException) {
      const res = exception.getResponse();
      const status = exception.getStatus();
      if (typeof res === 'object' && res !== null && 'code' in res) body = res as ApiErrorBody;
      else {
        const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? exception.message);
        body = { statusCode: status, code: status === 404 ? 'NOT_FOUND' : `HTTP_${status}`, message: Array.isArray(message) ? message.join('; ') : String(message) };
      }
    } else if (typeof exception === 'object' && exception !== null && 'statusCode' in exception && typeof (exception as { statusCode: unknown }).statusCode === 'number') {
      // Fastify's own errors: body too large, bad JSON, unsupported media type.
      const e = exception as { statusCode: number; code?: string; message?: string };
      body = { statusCode: e.statusCode, code: e.code ?? `HTTP_${e.statusCode}`, message: e.message ?? 'bad request' };
    } else {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
      body = { statusCode: 500, code: 'INTERNAL', message: 'internal error', messageZh: '服务器内部错误' };
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
