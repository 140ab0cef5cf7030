import { RETRYABLE_BY_DEFAULT } from '@imbridge/contracts';
import { WECOM_GLOBAL_ERRCODES, WECOM_TOKEN_ERRCODES, wecomErrorMapper } from './wecom-errors';

describe('wecomErrorMapper', () => {
  const map = wecomErrorMapper('WeCom x', { 45009: 'UNKNOWN', 95001: 'WINDOW_CLOSED' });

  it('maps the global codes (doc 90313) the same for every lib', () => {
    expect(map(-1, 'busy', 'a').code).toBe('TEMPORARY');
    for (const c of [40014, 42001, 41001]) expect(map(c, '', 'a').code).toBe('AUTH_EXPIRED');
    for (const c of [40001, 40013, 60020]) expect(map(c, '', 'a').code).toBe('CONFIG');
    expect(map(45033, '', 'a').code).toBe('RATE_LIMITED');
    for (const c of [48001, 48002, 60011]) expect(map(c, '', 'a').code).toBe('PERMISSION');
    for (const c of [40007, 40008, 44004, 45002]) expect(map(c, '', 'a').code).toBe('INVALID');
  });

  it('lets the lib add and override codes, and maps the rest to UNKNOWN', () => {
    expect(map(95001, 'quota', 'kf/send_msg').code).toBe('WINDOW_CLOSED');
    expect(map(45009, '', 'a').code).toBe('UNKNOWN');
    expect(wecomErrorMapper('WeCom', {})(45009, '', 'a').code).toBe('RATE_LIMITED');
    expect(map(123456, 'odd', 'a').code).toBe('UNKNOWN');
  });

  it('names the label, api, errcode and errmsg, and keeps the errcode as platformCode', () => {
    const err = map(60020, 'not allow to access from your ip', 'message/send');
    expect(err.message).toBe('WeCom x message/send: 60020 not allow to access from your ip');
    expect(err.platformCode).toBe('60020');
    expect(err.retryable).toBe(RETRYABLE_BY_DEFAULT.CONFIG);
  });

  it('refreshes the token only on the four token codes, all of them global', () => {
    expect([...WECOM_TOKEN_ERRCODES].sort()).toEqual([40001, 40014, 41001, 42001]);
    for (const c of WECOM_TOKEN_ERRCODES) expect(WECOM_GLOBAL_ERRCODES[c]).toBeDefined();
  });
});
