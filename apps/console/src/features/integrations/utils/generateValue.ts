import type { GeneratorKind } from '@imbridge/contracts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Lengths the platforms expect: Token up to 32 characters, EncodingAESKey exactly 43. */
export const GENERATED_LENGTH: Record<GeneratorKind, number> = {
  token: 32,
  encodingAesKey: 43,
};

/**
 * `length` characters from `alphabet`, uniformly: random bytes at or above the largest multiple
 * of the alphabet size are thrown away (rejection sampling) so no character is favoured.
 */
export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const size = alphabet.length;
  if (size < 2 || size > 256) throw new Error('alphabet must have 2 to 256 characters');
  const limit = 256 - (256 % size);
  let out = '';
  const buffer = new Uint8Array(Math.max(16, length * 2));
  while (out.length < length) {
    crypto.getRandomValues(buffer);
    for (const byte of buffer) {
      if (byte >= limit) continue;
      out += alphabet[byte % size];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateValue(kind: GeneratorKind): string {
  return randomString(GENERATED_LENGTH[kind]);
}
