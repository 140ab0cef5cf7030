import { UrlNotAllowedError } from '../security/url-policy';
import type { AppError } from './external-app.types';

export class AppCallError extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'AppCallError';
  }
}

export const appError = (code: AppError['code'], message: string, messageZh: string): AppCallError => new AppCallError({ code, message, messageZh });

/**
 * Runs `call` with one overall deadline: the signal aborts the connection, the body read and
 * everything between. Every failure becomes an AppError (never the key, never the request body).
 */
export async function withDeadline<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await call(controller.signal);
  } catch (err) {
    if (controller.signal.aborted) throw appError('APP_TIMEOUT', `no complete answer within ${timeoutMs} ms`, `外部应用在 ${timeoutMs} 毫秒内未完成回答`);
    if (err instanceof AppCallError) throw err;
    if (err instanceof UrlNotAllowedError) throw appError('APP_URL_NOT_ALLOWED', err.message, `不允许访问该地址：${err.reason}`);
    const e = err as NodeJS.ErrnoException;
    throw appError('APP_UNREACHABLE', `request failed: ${e.code ?? ''} ${e.message}`.trim(), `无法连接外部应用：${e.code ?? e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws for a non-2xx status (after reading a short excerpt of the body for the log). */
export function httpError(status: number, excerpt: string): AppCallError {
  const short = excerpt.replace(/\s+/g, ' ').slice(0, 200);
  return appError('APP_HTTP_ERROR', `HTTP ${status}${short ? `: ${short}` : ''}`, `外部应用返回 HTTP ${status}`);
}
