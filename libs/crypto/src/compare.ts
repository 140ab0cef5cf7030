import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string equality (over the UTF-8 bytes). Strings of different byte lengths are unequal
 * at once: that reveals the length and nothing else (the values compared here — hex digests, ids —
 * have public lengths). Equal lengths are compared with timingSafeEqual, in time that depends on the
 * length only.
 */
export function timingSafeEqualStr(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
