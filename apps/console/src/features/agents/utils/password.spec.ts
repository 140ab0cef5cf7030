import { describe, expect, it } from 'vitest';
import { generatePassword, GENERATED_PASSWORD_LENGTH } from './password';

describe('generatePassword', () => {
  it('is long enough for the API (8+), mixes every character class and differs each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(GENERATED_PASSWORD_LENGTH);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[2-9]/);
      expect(p).toMatch(/[!#%*+\-=?@_]/);
      expect(p).not.toMatch(/[0O1lI\s]/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
