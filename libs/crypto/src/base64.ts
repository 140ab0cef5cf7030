import { CryptoError } from './errors';

// Internal helpers (not exported from the index).

/**
 * Strict standard base64: Node's decoder silently skips junk characters, which would let a
 * mangled parameter (e.g. '+' turned into ' ' by form decoding) decrypt to garbage instead of
 * failing clearly. Require the canonical encoding so that every input has exactly one meaning.
 * Node's encoder writes exactly the canonical form (standard alphabet, '=' padding, zero pad bits),
 * so a value is canonical if and only if encoding its decoded bytes gives it back: any other
 * character, missing or extra padding, or non-zero pad bits changes the round trip. (This replaces
 * an alphabet regex that cost more than the decoding itself.)
 */
export function decodeBase64Strict(value: string): Buffer {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0) {
    throw new CryptoError('BAD_BASE64', 'Not canonical standard base64');
  }
  const buf = Buffer.from(value, 'base64');
  if (buf.toString('base64') !== value) {
    throw new CryptoError('BAD_BASE64', 'Not canonical standard base64');
  }
  return buf;
}

const URL_B64 = /^[A-Za-z0-9_-]*$/;

/** Strict unpadded base64url (the SecretBox segments); returns undefined when not canonical. */
export function decodeBase64UrlStrict(value: string): Buffer | undefined {
  if (!URL_B64.test(value)) return undefined;
  const buf = Buffer.from(value, 'base64url');
  return buf.toString('base64url') === value ? buf : undefined;
}
