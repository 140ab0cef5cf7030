import { mapWecomKfError } from './wecom-kf-error.mapper';

describe('mapWecomKfError', () => {
  it.each([
    [-1, 'TEMPORARY', true],
    [42001, 'AUTH_EXPIRED', true],
    [40014, 'AUTH_EXPIRED', true],
    [45009, 'RATE_LIMITED', true],
    [95018, 'WINDOW_CLOSED', false], // send msg session status invalid (doc 94677)
    [95001, 'WINDOW_CLOSED', false], // 5-message quota used up
    [45015, 'WINDOW_CLOSED', false],
    [95016, 'PERMISSION', false],
    [95014, 'PERMISSION', false],
    [40201, 'PERMISSION', false],
    [48002, 'PERMISSION', false],
    [95017, 'CONFIG', false],
    [60020, 'CONFIG', false],
    [40001, 'CONFIG', false],
    [95000, 'INVALID', false],
    [95004, 'INVALID', false],
    [12345, 'UNKNOWN', false],
  ])('%i → %s (retryable %s)', (errcode, code, retryable) => {
    const err = mapWecomKfError(errcode, 'msg', 'kf/send_msg');
    expect([err.code, err.retryable, err.platformCode]).toEqual([code, retryable, String(errcode)]);
    expect(err.message).toBe(`WeCom kf kf/send_msg: ${errcode} msg`);
  });
});
