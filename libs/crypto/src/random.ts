import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Largest multiple of 62 that fits in a byte: bytes >= 248 are rejected so every char is equally likely.
const LIMIT = 256 - (256 % ALNUM.length);

/** Uniformly random [A-Za-z0-9] string (rejection sampling, no modulo bias). */
export function randomAlnum(length: number): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError('length must be a non-negative integer');
  }
  let out = '';
  while (out.length < length) {
    // Over-draw a little so one call to randomBytes usually suffices despite rejections.
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 8);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i];
      if (b < LIMIT) out += ALNUM[b % ALNUM.length];
    }
  }
  return out;
}

/**
 * A WeCom/MP/DingTalk EncodingAESKey: 43 alnum chars. Any 43 base64 chars plus '=' decode to
 * exactly 32 bytes, so no further filtering is needed.
 */
export function randomEncodingAesKey(): string {
  return randomAlnum(43);
}

/** WeCom's Token field allows up to 32 letters/digits; use the maximum. */
export function randomToken(): string {
  return randomAlnum(32);
}
