import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string equality. Hashing first gives both sides the same length, so
 * timingSafeEqual never throws and a length mismatch leaks nothing beyond "not equal".
 */
export function timingSafeEqualStr(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
