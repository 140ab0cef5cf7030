import { PlatformError, type SendContext } from '@imbridge/platform-core';
import { ipFromWecomErrmsg, WECOM_WRONG_CORP_ID_ADVICE, wecomCheckCall, wecomConfigForCheck, wecomFreshTokenCheck } from './wecom-credential-check';
import { wecomStartCredentialCheck, wecomUnknownErrorAdvice } from './wecom-credential-check';
import { MemoryWecomTokens, ScriptedWecomHttp } from './wecom-test-fakes';

const BASE = 'https://wecom.test';
const advise = (errcode: number, errmsg: string) => (errcode === 40013 ? WECOM_WRONG_CORP_ID_ADVICE : wecomUnknownErrorAdvice(errcode, errmsg));

function ctx(http: ScriptedWecomHttp): Omit<SendContext, 'idempotencyKey'> {
  return { integrationId: 'int-1', config: {}, http, tokens: new MemoryWecomTokens() };
}

describe('ipFromWecomErrmsg', () => {
  it('finds IPv4 and IPv6 after "from ip:", and nothing otherwise', () => {
    expect(ipFromWecomErrmsg('not allow to access from your ip, hint: [x], from ip: 203.0.113.7, more info at ...')).toBe('203.0.113.7');
    expect(ipFromWecomErrmsg('x, from ip: 2001:db8::1, more')).toBe('2001:db8::1');
    expect(ipFromWecomErrmsg('not allow to access from your ip')).toBeUndefined();
  });
});

describe('wecomCheckCall', () => {
  it('returns the answer on errcode 0, sending a POST body as JSON with a 10 s timeout', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/kf/account/list', { body: { errcode: 0, account_list: [] } });
    const out = await wecomCheckCall(ctx(http), BASE, { api: 'kf/account/list', method: 'POST', query: 'access_token=T', body: '{"offset":0}', advise });
    expect(out).toEqual({ answer: { errcode: 0, account_list: [] } });
    expect(http.requests[0]).toMatchObject({ method: 'POST', url: `${BASE}/cgi-bin/kf/account/list?access_token=T`, body: '{"offset":0}', timeoutMs: 10_000 });
    expect(http.requests[0]?.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('turns an errcode into a failed result with the caller\'s advice', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/gettoken', { body: { errcode: 40013, errmsg: 'invalid corpid' } }, { body: { errmsg: 'odd' } });
    const call = { api: 'gettoken', method: 'GET' as const, query: 'corpid=x', advise };
    expect(await wecomCheckCall(ctx(http), BASE, call)).toEqual({
      result: { ok: false, platformCode: '40013', message: 'WeCom gettoken: 40013 invalid corpid', advice: WECOM_WRONG_CORP_ID_ADVICE },
    });
    expect(await wecomCheckCall(ctx(http), BASE, call)).toMatchObject({ result: { ok: false, platformCode: '-1', advice: wecomUnknownErrorAdvice(-1, 'odd') } });
  });

  it('explains an HTTP status and a network failure, letting the caller replace the latter', async () => {
    const http = new ScriptedWecomHttp()
      .script('/cgi-bin/gettoken', { status: 404, body: 'nope' }, new PlatformError('TEMPORARY', 'refused', { platformCode: 'ECONNREFUSED' }), new Error('boom'))
      .script('/cgi-bin/x', new PlatformError('TEMPORARY', 'bad', { platformCode: 'HTTP_502' }));
    const call = { api: 'gettoken', method: 'GET' as const, query: '', advise };
    expect(await wecomCheckCall(ctx(http), BASE, call)).toMatchObject({ result: { ok: false, platformCode: 'HTTP_404', message: 'WeCom gettoken: HTTP 404' } });
    const refused = await wecomCheckCall(ctx(http), BASE, call);
    expect(refused).toMatchObject({ result: { ok: false, platformCode: 'ECONNREFUSED', message: 'refused' } });
    expect('result' in refused && refused.result.advice?.en).toContain(`Cannot reach ${BASE}`);
    const custom = await wecomCheckCall(ctx(http), BASE, { ...call, unreachable: (_b, err) => ({ ok: false, platformCode: 'MINE', message: err.message }) });
    expect(custom).toEqual({ result: { ok: false, platformCode: 'MINE', message: 'boom' } });
    expect(await wecomCheckCall(ctx(http), BASE, { ...call, api: 'x' })).toMatchObject({ result: { platformCode: 'HTTP_502', message: 'WeCom x: HTTP 502' } });
  });
});

describe('wecomConfigForCheck', () => {
  it('passes a readable config through, and turns a missing field into CONFIG_INCOMPLETE with the advice', () => {
    const advice = { zh: '配置不完整', en: 'incomplete' };
    expect(wecomConfigForCheck(() => ({ a: 1 }), advice)).toEqual({ cfg: { a: 1 } });
    expect(
      wecomConfigForCheck(() => {
        throw new Error('wecom config field secret missing');
      }, advice),
    ).toEqual({ result: { ok: false, platformCode: 'CONFIG_INCOMPLETE', message: 'wecom config field secret missing', advice } });
  });
});

describe('wecomFreshTokenCheck', () => {
  const CFG = { corpId: 'ww0123456789abcdef', secret: 'S/+', apiBaseUrl: BASE };

  it('calls gettoken directly (not the token cache) with the encoded credentials and returns the token', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/gettoken', { body: { errcode: 0, access_token: 'FRESH' } });
    const context = ctx(http);
    await expect(wecomFreshTokenCheck(context, CFG, { advise })).resolves.toEqual({ accessToken: 'FRESH' });
    expect(http.requests[0]?.url).toBe(`${BASE}/cgi-bin/gettoken?corpid=ww0123456789abcdef&corpsecret=S%2F%2B`);
    expect((context.tokens as MemoryWecomTokens).fetches).toBe(0);
  });

  it('explains an errcode and an answer without access_token', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/gettoken', { body: { errcode: 40013, errmsg: 'invalid corpid' } }, { body: { errcode: 0 } });
    expect(await wecomFreshTokenCheck(ctx(http), CFG, { advise })).toMatchObject({ result: { ok: false, platformCode: '40013', advice: WECOM_WRONG_CORP_ID_ADVICE } });
    expect(await wecomFreshTokenCheck(ctx(http), CFG, { advise })).toEqual({
      result: { ok: false, platformCode: '0', message: 'WeCom gettoken: answer without access_token', advice: wecomUnknownErrorAdvice(0, 'answer without access_token') },
    });
  });
});

describe('wecomStartCredentialCheck', () => {
  const read = (config: Readonly<Record<string, unknown>>) => {
    if (typeof config['secret'] !== 'string') throw new Error('x config field secret missing');
    return { corpId: 'ww0123456789abcdef', secret: config['secret'], apiBaseUrl: BASE, agentId: 7 };
  };
  const incomplete = { zh: '不完整', en: 'incomplete' };

  it('gives the config and a fresh token, passing the config to the advice factory', async () => {
    const http = new ScriptedWecomHttp().script('/cgi-bin/gettoken', { body: { errcode: 0, access_token: 'T' } }, { body: { errcode: 60011, errmsg: 'no privilege' } });
    const context = { ...ctx(http), config: { secret: 'S' } };
    const seen: number[] = [];
    const advice = (cfg: { agentId: number }) => {
      seen.push(cfg.agentId);
      return { advise: (errcode: number) => ({ zh: `z${errcode}`, en: `e${errcode}` }) };
    };
    await expect(wecomStartCredentialCheck(context, read, incomplete, advice)).resolves.toEqual({ cfg: read({ secret: 'S' }), accessToken: 'T' });
    expect(await wecomStartCredentialCheck(context, read, incomplete, advice)).toMatchObject({ result: { ok: false, platformCode: '60011', advice: { zh: 'z60011', en: 'e60011' } } });
    expect(seen).toEqual([7, 7]);
  });

  it('stops at an incomplete config without calling WeCom', async () => {
    const http = new ScriptedWecomHttp();
    expect(await wecomStartCredentialCheck(ctx(http), read, incomplete, () => ({ advise }))).toEqual({
      result: { ok: false, platformCode: 'CONFIG_INCOMPLETE', message: 'x config field secret missing', advice: incomplete },
    });
    expect(http.requests).toHaveLength(0);
  });
});
