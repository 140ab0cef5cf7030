/**
 * Every platform error code maps to one of these. The outbound processor, not the adapter,
 * decides what to do: retry with backoff, stop and surface it, or dead-letter.
 */
export const PLATFORM_ERROR_CODES = [
  'AUTH_EXPIRED',
  'RATE_LIMITED',
  'TEMPORARY',
  'WINDOW_CLOSED',
  'PERMISSION',
  'CONFIG',
  'INVALID',
  'UNKNOWN',
] as const;
export type PlatformErrorCode = (typeof PLATFORM_ERROR_CODES)[number];

/** Retryable by default; an adapter may override per platform code. */
export const RETRYABLE_BY_DEFAULT: Record<PlatformErrorCode, boolean> = {
  AUTH_EXPIRED: true,
  RATE_LIMITED: true,
  TEMPORARY: true,
  WINDOW_CLOSED: false,
  PERMISSION: false,
  CONFIG: false,
  INVALID: false,
  UNKNOWN: false,
};
