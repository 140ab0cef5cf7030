import { randomString } from '../../integrations/utils/generateValue';

// No look-alikes (0/O, 1/l/I): the password is often read out or typed from a screenshot.
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%*+-=?@_';
const ALPHABET = LOWER + UPPER + DIGITS + SYMBOLS;

export const GENERATED_PASSWORD_LENGTH = 16;

/** A random password with at least one lower, upper, digit and symbol (≈ 100 bits at 16 characters). */
export function generatePassword(length = GENERATED_PASSWORD_LENGTH): string {
  for (;;) {
    const candidate = randomString(length, ALPHABET);
    // Redraw rather than patch a class in, so every position stays uniform.
    if ([LOWER, UPPER, DIGITS, SYMBOLS].every((set) => [...candidate].some((c) => set.includes(c)))) return candidate;
  }
}
