import type { PlatformErrorCode } from '@imbridge/contracts';
import { PlatformError } from '@imbridge/platform-core';
import { mapWecomError, WECOM_TOKEN_ERRCODES } from './wecom-error.mapper';

describe('mapWecomError', () => {
  it.each<[number, PlatformErrorCode, boolean]>([
    [-1, 'TEMPORARY', true],
    [40014, 'AUTH_EXPIRED', true],
    [42001, 'AUTH_EXPIRED', true],
    [41001, 'AUTH_EXPIRED', true],
    [40001, 'CONFIG', false],
    [40013, 'CONFIG', false],
    [40056, 'CONFIG', false],
    [60020, 'CONFIG', false],
    [41002, 'CONFIG', false],
    [41004, 'CONFIG', false],
    [45009, 'RATE_LIMITED', true],
    [45033, 'RATE_LIMITED', true],
    [48001, 'PERMISSION', false],
    [48002, 'PERMISSION', false],
    [60011, 'PERMISSION', false],
    [301002, 'PERMISSION', false],
    [81013, 'INVALID', false],
    [82001, 'INVALID', false],
    [44004, 'INVALID', false],
    [40008, 'INVALID', false],
    [40058, 'INVALID', false],
    [40035, 'INVALID', false],
    [99999, 'UNKNOWN', false],
    [0, 'UNKNOWN', false],
  ])('maps %i to %s (retryable: %s)', (errcode, code, retryable) => {
    const err = mapWecomError(errcode, 'some message', 'message/send');
    expect(err).toBeInstanceOf(PlatformError);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.platformCode).toBe(String(errcode));
  });

  it('names the API, the code and the platform message', () => {
    const err = mapWecomError(60020, 'not allow to access from your ip', 'gettoken');
    expect(err.message).toBe('WeCom gettoken: 60020 not allow to access from your ip');
    expect(err.name).toBe('PlatformError');
  });
});

describe('WECOM_TOKEN_ERRCODES', () => {
  it('lists the errcodes that trigger one token refresh', () => {
    expect([...WECOM_TOKEN_ERRCODES].sort()).toEqual([40001, 40014, 41001, 42001]);
  });
});
