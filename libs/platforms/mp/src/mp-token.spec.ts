import { mapMpError, mpCredentialAdvice, mpErrorReason, ipFromMpErrmsg } from './mp-error.mapper';
import { callMpJson, fetchMpStableToken, mpAccessTokenKey } from './mp-token';
import { MemoryMpTokens, mpPlatformErrorOf, ScriptedMpHttp } from './mp-test-fakes';

const CFG = { appId: 'wx0123456789abcdef', appSecret: 'c'.repeat(32), apiBaseUrl: 'https://api.weixin.qq.com' };
const WHITELIST_ERRMSG = 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6543-abcd-1234';

describe('fetchMpStableToken (§3.2)', () => {
  it('POSTs the stable_token JSON with force_refresh false', async () => {
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { body: { access_token: 'TOKEN_1', expires_in: 7200 } });
    expect(await fetchMpStableToken({ http }, CFG)).toEqual({ token: 'TOKEN_1', expiresInSeconds: 7200 });
    expect(http.requests[0]?.method).toBe('POST');
    expect(http.jsonBodies('/cgi-bin/stable_token')).toEqual([{ grant_type: 'client_credential', appid: CFG.appId, secret: CFG.appSecret, force_refresh: false }]);
  });

  it('40164 is a config error, 40001/40125 a wrong secret (CONFIG, never a refresh), HTTP errors temporary', async () => {
    const http = new ScriptedMpHttp().script(
      '/cgi-bin/stable_token',
      { body: { errcode: 40164, errmsg: WHITELIST_ERRMSG } },
      { body: { errcode: 40001, errmsg: 'invalid credential' } },
      { body: { errcode: 40125, errmsg: 'invalid appsecret' } },
      { status: 502, body: 'bad gateway' },
    );
    expect(await mpPlatformErrorOf(fetchMpStableToken({ http }, CFG))).toMatchObject({ code: 'CONFIG', platformCode: '40164', retryable: false });
    expect(await mpPlatformErrorOf(fetchMpStableToken({ http }, CFG))).toMatchObject({ code: 'CONFIG', platformCode: '40001', retryable: false });
    expect(await mpPlatformErrorOf(fetchMpStableToken({ http }, CFG))).toMatchObject({ code: 'CONFIG', platformCode: '40125' });
    expect(await mpPlatformErrorOf(fetchMpStableToken({ http }, CFG))).toMatchObject({ code: 'TEMPORARY', platformCode: 'HTTP_502' });
  });
});

describe('callMpJson: refresh once', () => {
  it.each([40001, 42001, 40014])('on %i drops only the failed token and retries exactly once', async (errcode) => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', { body: { access_token: 'OLD', expires_in: 7200 } }, { body: { access_token: 'NEW', expires_in: 7200 } })
      .script('/cgi-bin/message/custom/send', { body: { errcode, errmsg: 'access_token expired' } }, { body: { errcode: 0, errmsg: 'ok' } });
    const tokens = new MemoryMpTokens();
    await callMpJson({ http, tokens }, CFG, 'message/custom/send', { touser: 'o' });
    expect(tokens.invalidated).toEqual(['OLD']);
    expect(http.calls('/cgi-bin/message/custom/send').map((r) => new URL(r.url).searchParams.get('access_token'))).toEqual(['OLD', 'NEW']);
  });

  it('a second token error is not retried again', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', { body: { access_token: 'A', expires_in: 7200 } }, { body: { access_token: 'B', expires_in: 7200 } })
      .script('/cgi-bin/message/custom/send', { body: { errcode: 42001, errmsg: 'expired' } }, { body: { errcode: 42001, errmsg: 'expired' } });
    const err = await mpPlatformErrorOf(callMpJson({ http, tokens: new MemoryMpTokens() }, CFG, 'message/custom/send', {}));
    expect(err).toMatchObject({ code: 'AUTH_EXPIRED', platformCode: '42001' });
    expect(http.calls('/cgi-bin/message/custom/send')).toHaveLength(2);
  });

  it.each([
    [45015, 'response out of time limit or subscription is canceled'],
    [45047, 'out of response count limit'],
  ])('%i is WINDOW_CLOSED, not retried, with its reason', async (errcode, errmsg) => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', { body: { access_token: 'T', expires_in: 7200 } })
      .script('/cgi-bin/message/custom/send', { body: { errcode, errmsg } });
    const err = await mpPlatformErrorOf(callMpJson({ http, tokens: new MemoryMpTokens() }, CFG, 'message/custom/send', {}));
    expect(err).toMatchObject({ code: 'WINDOW_CLOSED', retryable: false, platformCode: String(errcode) });
    expect(http.calls('/cgi-bin/message/custom/send')).toHaveLength(1);
    expect(mpErrorReason(err.platformCode)?.zh).toMatch(/等待用户再次发消息/);
    expect(mpErrorReason(err.platformCode)?.en).toMatch(/wait for the user/);
  });
});

describe('error mapping and advice', () => {
  it('reads the IP from a 40164 errmsg and names it in the advice', () => {
    expect(ipFromMpErrmsg(WHITELIST_ERRMSG)).toBe('203.0.113.7');
    expect(ipFromMpErrmsg('invalid ip 2001:db8::1, not in whitelist')).toBe('2001:db8::1');
    expect(ipFromMpErrmsg('something else')).toBeUndefined();
    const advice = mpCredentialAdvice(40164, WHITELIST_ERRMSG);
    expect(advice.zh).toContain('203.0.113.7');
    expect(advice.en).toContain('203.0.113.7');
    expect(mpCredentialAdvice(40164, 'not in whitelist').en).toContain('IP whitelist');
  });

  it('maps codes to the shared enum', () => {
    expect(mapMpError(45009, 'reach max api daily quota limit', 'x')).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(mapMpError(48001, 'api unauthorized', 'x')).toMatchObject({ code: 'PERMISSION', retryable: false });
    expect(mapMpError(-1, 'system error', 'x')).toMatchObject({ code: 'TEMPORARY', retryable: true });
    expect(mapMpError(99999, '?', 'x')).toMatchObject({ code: 'UNKNOWN', retryable: false });
    expect(mapMpError(45015, 'out of time', 'message/custom/send').message).toContain('Outside the reply window');
  });

  it('keys tokens by AppID and a hash of the secret, never the secret itself', () => {
    const key = mpAccessTokenKey(CFG);
    expect(key).toMatch(/^mp:wx0123456789abcdef:[0-9a-f]{16}$/);
    expect(key).not.toContain(CFG.appSecret);
    expect(mpAccessTokenKey({ ...CFG, appSecret: 'd'.repeat(32) })).not.toBe(key);
  });
});
