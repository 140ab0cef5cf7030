import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Never log secrets, tokens or message bodies at info level: the redaction
 * paths are a safety net, not permission.
 */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'imbridge' },
    redact: {
      paths: ['*.password', '*.secret', '*.token', '*.accessToken', '*.access_token', '*.encodingAesKey', '*.authorization', '*.cookie'],
      censor: '[redacted]',
    },
  });
}

/** Adapts pino to Nest's LoggerService. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
