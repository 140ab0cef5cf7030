import type { PlatformAdvice } from '@imbridge/platform-core';
import { deadLetterAdvice, platformCodeAdvice } from './dead-letter-advice';

// Each platform's own codes are tested in its lib and, through deadLetterAdvice, in test/diagnostics.spec.ts.

/** A platform that advises on its own code 70001 only. */
const OWN = { zh: '平台自己的建议', en: "The platform's own advice" };
const platform: PlatformAdvice = { error: (e) => (e.platformCode === '70001' ? OWN : null) };

describe('deadLetterAdvice', () => {
  it("gives the platform's own advice for its code before the normalized code", () => {
    expect(deadLetterAdvice(platform, { code: 'CONFIG', platformCode: '70001', message: 'x' })).toBe(OWN);
    expect(platformCodeAdvice(platform, { code: 'CONFIG', platformCode: '70001', message: 'x' })).toBe(OWN);
    // Another platform's code means nothing to it: advice by the normalized code.
    expect(deadLetterAdvice(platform, { code: 'CONFIG', platformCode: '70002', message: 'x' })!.zh).toContain('测试连接');
    expect(platformCodeAdvice(platform, { code: 'CONFIG', platformCode: '70002', message: 'x' })).toBeNull();
  });

  it('explains our own sender codes, then falls back on the normalized code', () => {
    expect(deadLetterAdvice(platform, { code: 'CONFIG', platformCode: 'DISABLED', message: 'integration disabled' })!.zh).toContain('停用');
    expect(deadLetterAdvice(platform, { code: 'INVALID', platformCode: '45002', message: 'content too long' })!.en).toContain('invalid');
    expect(deadLetterAdvice(undefined, { code: 'TEMPORARY', platformCode: 'INTERNAL', message: 'boom' })!.zh).toContain('重试');
    expect(deadLetterAdvice(platform, { code: 'UNKNOWN', message: 'x' })).not.toBeNull();
    for (const own of ['NO_INTEGRATION', 'DISABLED', 'NO_SENDER', 'URL_NOT_ALLOWED', 'MEDIA_TOO_LARGE', 'EMPTY_TEXT']) {
      expect({ own, advice: platformCodeAdvice(undefined, { code: 'CONFIG', platformCode: own, message: 'x' }) }).toEqual({ own, advice: { zh: expect.any(String), en: expect.any(String) } });
    }
  });

  it('advises on a closed reply window by the normalized code when the platform has no advice', () => {
    const advice = deadLetterAdvice({ callback: { causes: {} } }, { code: 'WINDOW_CLOSED', platformCode: '45015', message: 'x' });
    expect(advice!.zh).toContain('48 小时');
    expect(advice!.en).toContain('48 hours');
    expect(platformCodeAdvice(undefined, { code: 'WINDOW_CLOSED', platformCode: '45015', message: 'x' })).toBeNull();
  });

  it('gives nothing without an error or for an unheard-of code', () => {
    expect(deadLetterAdvice(platform, null)).toBeNull();
    expect(deadLetterAdvice(platform, { code: 'NEW_CODE', message: 'x' })).toBeNull();
    expect(deadLetterAdvice(undefined, { code: 'NEW_CODE', platformCode: 'constructor', message: 'x' })).toBeNull();
  });
});
