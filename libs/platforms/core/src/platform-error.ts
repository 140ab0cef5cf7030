import { type PlatformErrorCode, RETRYABLE_BY_DEFAULT } from '@imbridge/contracts';

/**
 * A platform call failed. Adapters translate every platform error into one of these; the
 * outbound processor decides retry / stop / dead-letter from `code` and `retryable` alone.
 */
export class PlatformError extends Error {
  readonly code: PlatformErrorCode;
  readonly retryable: boolean;
  /** The platform's own code (errcode 60020, HTTP 429 …), kept for diagnostics. */
  readonly platformCode?: string;
  /** Delay the platform asked for, if any. */
  readonly retryAfterMs?: number;

  constructor(
    code: PlatformErrorCode,
    message: string,
    opts: { platformCode?: string | number; retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PlatformError';
    this.code = code;
    this.retryable = opts.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.platformCode = opts.platformCode === undefined ? undefined : String(opts.platformCode);
    this.retryAfterMs = opts.retryAfterMs;
  }
}
