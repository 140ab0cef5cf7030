import { checkFieldValue } from '@imbridge/contracts';
import { describe, expect, it, vi } from 'vitest';
import { wecomDescriptor } from '../../../test/fixtures';
import { generateValue, randomString } from './generateValue';

const field = (name: string) => wecomDescriptor.fields.find((f) => f.name === name)!;

describe('generateValue', () => {
  it('makes a 32-character alphanumeric token that passes the Token check', () => {
    for (let i = 0; i < 50; i++) {
      const token = generateValue('token');
      expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(checkFieldValue(field('token'), token)).toBeNull();
    }
  });

  it('makes a 43-character alphanumeric EncodingAESKey that passes the check', () => {
    for (let i = 0; i < 50; i++) {
      const key = generateValue('encodingAesKey');
      expect(key).toMatch(/^[A-Za-z0-9]{43}$/);
      expect(checkFieldValue(field('encodingAesKey'), key)).toBeNull();
    }
  });

  it('does not repeat itself', () => {
    const seen = new Set(Array.from({ length: 100 }, () => generateValue('token')));
    expect(seen.size).toBe(100);
  });

  it('throws away bytes at or above the largest multiple of the alphabet size (rejection sampling)', () => {
    // Alphabet of 62: bytes 248..255 would favour the first 8 characters, so they must be skipped.
    const spy = vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const bytes = array as unknown as Uint8Array;
      bytes.fill(0);
      bytes[0] = 248;
      bytes[1] = 255;
      bytes[2] = 61;
      bytes[3] = 62;
      bytes[4] = 1;
      return array;
    });
    expect(randomString(3)).toBe('9AB');
    expect(spy).toHaveBeenCalled();
  });
});
