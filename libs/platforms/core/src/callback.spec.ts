import { assertFreshTimestamp, CallbackRejected, type CallbackContext, type CallbackRejectReason } from './callback';

const NOW_SECONDS = 1_700_000_000;

function ctx(replayToleranceSeconds: number, nowMs = NOW_SECONDS * 1000): CallbackContext {
  return { integrationId: 'i-1', config: {}, replayToleranceSeconds, now: new Date(nowMs) };
}

function reason(fn: () => void): CallbackRejectReason {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CallbackRejected);
    return (err as CallbackRejected).reason;
  }
  throw new Error('expected a CallbackRejected, nothing was thrown');
}

describe('assertFreshTimestamp', () => {
  describe('seconds', () => {
    it('accepts the current time', () => {
      expect(() => assertFreshTimestamp(String(NOW_SECONDS), ctx(600))).not.toThrow();
    });

    it('accepts a skew up to the tolerance, in the past and in the future', () => {
      expect(() => assertFreshTimestamp(String(NOW_SECONDS - 600), ctx(600))).not.toThrow();
      expect(() => assertFreshTimestamp(String(NOW_SECONDS + 600), ctx(600))).not.toThrow();
    });

    it('refuses a skew beyond the tolerance, in the past and in the future', () => {
      expect(reason(() => assertFreshTimestamp(String(NOW_SECONDS - 601), ctx(600)))).toBe('timestamp-out-of-tolerance');
      expect(reason(() => assertFreshTimestamp(String(NOW_SECONDS + 601), ctx(600)))).toBe('timestamp-out-of-tolerance');
    });

    it('says how far off the timestamp was', () => {
      expect(() => assertFreshTimestamp(String(NOW_SECONDS - 3600), ctx(600))).toThrow('timestamp-out-of-tolerance: 3600s');
    });

    it('compares against the sub-second clock', () => {
      // now = …000.5 s: 600.5 s after the timestamp, just over a 600 s tolerance.
      expect(reason(() => assertFreshTimestamp(String(NOW_SECONDS - 600), ctx(600, NOW_SECONDS * 1000 + 500)))).toBe(
        'timestamp-out-of-tolerance',
      );
    });

    it('refuses a replay of a years-old timestamp (the official sample vector)', () => {
      expect(reason(() => assertFreshTimestamp('1409659589', ctx(600)))).toBe('timestamp-out-of-tolerance');
    });
  });

  describe('13-digit milliseconds (DingTalk)', () => {
    it('accepts the current time in milliseconds', () => {
      expect(() => assertFreshTimestamp(String(NOW_SECONDS * 1000 + 999), ctx(600))).not.toThrow();
    });

    it('applies the tolerance in seconds', () => {
      expect(() => assertFreshTimestamp(String((NOW_SECONDS - 600) * 1000), ctx(600))).not.toThrow();
      expect(reason(() => assertFreshTimestamp(String((NOW_SECONDS - 601) * 1000), ctx(600)))).toBe('timestamp-out-of-tolerance');
      expect(reason(() => assertFreshTimestamp(String((NOW_SECONDS + 601) * 1000), ctx(600)))).toBe('timestamp-out-of-tolerance');
    });
  });

  describe('tolerance 0', () => {
    it('turns the check off, even for a very old or missing timestamp', () => {
      expect(() => assertFreshTimestamp('1409659589', ctx(0))).not.toThrow();
      expect(() => assertFreshTimestamp(undefined, ctx(0))).not.toThrow();
      expect(() => assertFreshTimestamp('garbage', ctx(0))).not.toThrow();
    });

    it('treats a negative tolerance as off', () => {
      expect(() => assertFreshTimestamp('1', ctx(-1))).not.toThrow();
    });
  });

  describe('missing or malformed', () => {
    it('refuses a missing timestamp as missing-parameters', () => {
      expect(reason(() => assertFreshTimestamp(undefined, ctx(600)))).toBe('missing-parameters');
    });

    it.each(['', 'abc', '-1700000000', '1700000000.5', ' 1700000000', '1700000000 ', '1e9', '0x6553F100', '17000000000000'])(
      'refuses %p as missing-parameters',
      (value) => {
        expect(reason(() => assertFreshTimestamp(value, ctx(600)))).toBe('missing-parameters');
      },
    );
  });
});

describe('CallbackRejected', () => {
  it('carries the reason and an optional detail', () => {
    const plain = new CallbackRejected('signature-mismatch');
    expect(plain.reason).toBe('signature-mismatch');
    expect(plain.message).toBe('signature-mismatch');
    expect(plain.name).toBe('CallbackRejected');
    expect(new CallbackRejected('malformed-body', 'no <Encrypt>').message).toBe('malformed-body: no <Encrypt>');
  });
});
