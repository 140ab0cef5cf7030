import { createHash } from 'node:crypto';
import { wecomErrorMapper } from './wecom-errors';
import { MemoryWecomTokens, platformErrorOf, ScriptedWecomHttp } from './wecom-test-fakes';
import { callWecomWithToken, fetchWecomAccessToken, wecomAccessTokenKey } from './wecom-token';

const CFG = { corpId: 'ww0123456789abcdef', secret: 'S'.repeat(43), apiBaseUrl: 'https://wecom.test' };
const mapError = wecomErrorMapper('WeCom test', { 95000: 'INVALID' });
const token = (t: string) => ({ body: { errcode: 0, errmsg: 'ok', access_token: t, expires_in: 600 } });
const ok = { body: { errcode: 0, errmsg: 'ok', value: 1 } };

const rejection = platformErrorOf;

function setup(): { http: ScriptedWecomHttp; tokens: MemoryWecomTokens; ctx: { http: ScriptedWecomHttp; tokens: MemoryWecomTokens } } {
  const http = new ScriptedWecomHttp();
  const tokens = new MemoryWecomTokens();
  return { http, tokens, ctx: { http, tokens } };
}

describe('wecomAccessTokenKey', () => {
  it('is wecom:<corpId>:<first 16 hex of sha256(secret)>, never the secret itself', () => {
    const expected = `wecom:${CFG.corpId}:${createHash('sha256').update(CFG.secret).digest('hex').slice(0, 16)}`;
    expect(wecomAccessTokenKey(CFG)).toBe(expected);
    expect(wecomAccessTokenKey(CFG)).not.toContain(CFG.secret);
    expect(wecomAccessTokenKey({ ...CFG, secret: 'other' })).not.toBe(expected);
  });
});

describe('fetchWecomAccessToken', () => {
  it('returns the token and its lifetime, defaulting to 7200 s', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1'), { body: { errcode: 0, access_token: 'T2' } });
    await expect(fetchWecomAccessToken(ctx, CFG, mapError)).resolves.toEqual({ token: 'T1', expiresInSeconds: 600 });
    await expect(fetchWecomAccessToken(ctx, CFG, mapError)).resolves.toEqual({ token: 'T2', expiresInSeconds: 7200 });
    const url = new URL(http.calls('/cgi-bin/gettoken')[0]!.url);
    expect(url.searchParams.get('corpid')).toBe(CFG.corpId);
    expect(url.searchParams.get('corpsecret')).toBe(CFG.secret);
  });

  it('treats 40001 on gettoken as a config error (wrong secret), not a token refresh', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: { errcode: 40001, errmsg: 'invalid credential' } }, { body: { errcode: 42001, errmsg: 'expired' } });
    const wrongSecret = await rejection(fetchWecomAccessToken(ctx, CFG, mapError));
    expect(wrongSecret).toMatchObject({ code: 'CONFIG', platformCode: '40001' });
    expect(wrongSecret.message).toBe('WeCom test gettoken: 40001 invalid credential');
    // Even an "expired" code on gettoken itself cannot be fixed by fetching again.
    expect(await rejection(fetchWecomAccessToken(ctx, CFG, mapError))).toMatchObject({ code: 'CONFIG', platformCode: '42001' });
  });

  it('makes HTTP errors and answers without errcode retryable', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { status: 502, body: 'bad gateway' }, { body: {} });
    expect(await rejection(fetchWecomAccessToken(ctx, CFG, mapError))).toMatchObject({ code: 'TEMPORARY', platformCode: 'HTTP_502', retryable: true });
    expect(await rejection(fetchWecomAccessToken(ctx, CFG, mapError))).toMatchObject({ code: 'TEMPORARY', platformCode: '-1' });
  });
});

describe('callWecomWithToken', () => {
  const post = { api: 'x/do', label: 'WeCom test', mapError, makeRequest: () => ({ method: 'POST' as const, body: '{"a":1}' }) };

  it('fetches one token, reuses it, and passes the query after access_token', async () => {
    const { http, tokens, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/x/do', ok, ok);
    await expect(callWecomWithToken(ctx, CFG, { ...post, query: { type: 'a b' } })).resolves.toMatchObject({ value: 1 });
    await callWecomWithToken(ctx, CFG, post);
    expect(tokens.fetches).toBe(1);
    expect(http.calls('/cgi-bin/x/do').map((r) => r.url)).toEqual(['https://wecom.test/cgi-bin/x/do?access_token=T1&type=a%20b', 'https://wecom.test/cgi-bin/x/do?access_token=T1']);
    expect(http.calls('/cgi-bin/x/do')[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
  });

  it('on a token errcode invalidates only the failed token and retries exactly once, building the request again', async () => {
    const { http, tokens, ctx } = setup();
    let built = 0;
    http.script('/cgi-bin/gettoken', token('OLD'), token('NEW')).script('/cgi-bin/x/do', { body: { errcode: 42001, errmsg: 'expired' } }, ok);
    await callWecomWithToken(ctx, CFG, { ...post, makeRequest: () => ({ method: 'POST', body: String(++built) }) });
    expect(tokens.invalidations).toEqual([{ key: wecomAccessTokenKey(CFG), failedToken: 'OLD' }]);
    expect(http.calls('/cgi-bin/x/do').map((r) => [new URL(r.url).searchParams.get('access_token'), r.body])).toEqual([
      ['OLD', '1'],
      ['NEW', '2'],
    ]);
  });

  it('gives up after the one retry with the lib mapping', async () => {
    const { http, tokens, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('A'), token('B')).script('/cgi-bin/x/do', { body: { errcode: 40014, errmsg: 'bad' } }, { body: { errcode: 40014, errmsg: 'bad' } });
    expect(await rejection(callWecomWithToken(ctx, CFG, post))).toMatchObject({ code: 'AUTH_EXPIRED', platformCode: '40014' });
    expect(tokens.invalidations).toHaveLength(1);
  });

  it('maps other errcodes without retrying, and HTTP errors as temporary with the label', async () => {
    const { http, tokens, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('A')).script('/cgi-bin/x/do', { body: { errcode: 95000, errmsg: 'no' } }, { status: 503, body: '' });
    const specific = await rejection(callWecomWithToken(ctx, CFG, post));
    expect(specific).toMatchObject({ code: 'INVALID', platformCode: '95000', message: 'WeCom test x/do: 95000 no' });
    const httpError = await rejection(callWecomWithToken(ctx, CFG, { ...post, makeRequest: () => ({ method: 'GET' as const }) }));
    expect(httpError).toMatchObject({ code: 'TEMPORARY', platformCode: 'HTTP_503', message: 'WeCom test x/do: HTTP 503' });
    expect(http.calls('/cgi-bin/x/do')[1]?.method).toBe('GET');
    expect(tokens.invalidations).toEqual([]);
  });
});
