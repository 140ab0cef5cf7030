import { PlatformError, type HttpClient, type HttpRequest, type HttpResponse, type TokenProvider } from '@imbridge/platform-core';
import { ipFromWecomErrmsg, wecomCredentialAdvice, WecomCredentialVerifier } from './wecom.credentials';

const CONFIG = {
  corpId: 'ww0123456789abcdef',
  agentId: 1000002,
  secret: 'S'.repeat(43),
  token: 'Token',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://wecom.test',
};

type Reply = { status?: number; body: unknown } | Error;

/** Answers per API path, in order; records requests. */
function fakeHttp(answers: Record<string, Reply[]>): HttpClient & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    request(req: HttpRequest): Promise<HttpResponse> {
      requests.push(req);
      const reply = answers[new URL(req.url).pathname]?.shift();
      if (reply === undefined) return Promise.reject(new Error(`unexpected ${req.url}`));
      if (reply instanceof Error) return Promise.reject(reply);
      const body = Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      const status = reply.status ?? 200;
      return Promise.resolve({
        status,
        headers: new Headers(),
        body,
        json<T>(): T {
          try {
            return JSON.parse(body.toString()) as T;
          } catch (err) {
            throw new PlatformError('TEMPORARY', 'non-JSON', { cause: err, platformCode: `HTTP_${status}` });
          }
        },
      });
    },
  };
}

/** A token provider that must not be used: the test bypasses the cache. */
const noTokens: TokenProvider = {
  get: () => Promise.reject(new Error('the token cache must not be used')),
  invalidate: () => Promise.reject(new Error('the token cache must not be used')),
};

const verifier = new WecomCredentialVerifier();
const ok = { body: { errcode: 0, errmsg: 'ok', access_token: 'FRESH', expires_in: 7200 } };
const agentOk = { body: { errcode: 0, errmsg: 'ok', agentid: 1000002, name: '客服助手' } };
const err = (errcode: number, errmsg: string): Reply => ({ body: { errcode, errmsg } });

async function verify(answers: Record<string, Reply[]>, config: Record<string, unknown> = CONFIG) {
  const http = fakeHttp(answers);
  const result = await verifier.verify({ integrationId: 'i', config, tokens: noTokens, http });
  return { result, http };
}

describe('WecomCredentialVerifier', () => {
  it('is ok when a fresh gettoken and agent/get succeed, without the token cache', async () => {
    const { result, http } = await verify({ '/cgi-bin/gettoken': [ok], '/cgi-bin/agent/get': [agentOk] });
    expect(result).toEqual({ ok: true, message: 'WeCom app "客服助手" (AgentId 1000002)' });
    const [get, agent] = http.requests.map((r) => new URL(r.url));
    expect(get?.searchParams.get('corpid')).toBe(CONFIG.corpId);
    expect(get?.searchParams.get('corpsecret')).toBe(CONFIG.secret);
    expect(agent?.searchParams.get('access_token')).toBe('FRESH');
    expect(agent?.searchParams.get('agentid')).toBe('1000002');
  });

  it('40013 → the CorpID is wrong', async () => {
    const { result, http } = await verify({ '/cgi-bin/gettoken': [err(40013, 'invalid corpid')] });
    expect(result).toMatchObject({ ok: false, platformCode: '40013', message: 'WeCom gettoken: 40013 invalid corpid' });
    expect(result.advice?.zh).toContain('企业ID错误：请核对「我的企业 → 企业信息」中的企业ID');
    expect(result.advice?.en).toContain('Corp ID is wrong');
    expect(http.requests).toHaveLength(1);
  });

  it('40001 → the Secret is wrong (and changes when reset)', async () => {
    const { result } = await verify({ '/cgi-bin/gettoken': [err(40001, 'invalid credential')] });
    expect(result).toMatchObject({ ok: false, platformCode: '40001' });
    expect(result.advice?.zh).toContain('Secret');
    expect(result.advice?.zh).toContain('重置');
    expect(result.advice?.en).toContain('Secret is wrong');
  });

  it('60020 → shows the egress IP from the errmsg', async () => {
    const errmsg =
      'not allow to access from your ip, hint: [1700000000_12_abcd], from ip: 203.0.113.9, more info at https://open.work.weixin.qq.com/devtool/query?e=60020';
    const { result } = await verify({ '/cgi-bin/gettoken': [err(60020, errmsg)] });
    expect(result).toMatchObject({ ok: false, platformCode: '60020' });
    expect(result.advice?.zh).toContain('请在应用详情页「企业可信IP」中加入 203.0.113.9');
    expect(result.advice?.en).toContain('203.0.113.9');
  });

  it.each([
    [41002, 'Corp ID is missing'],
    [41004, 'Secret is missing'],
    [45009, 'rate limit'],
    [-1, 'busy'],
  ])('%i has its advice', async (code, en) => {
    const { result } = await verify({ '/cgi-bin/gettoken': [err(code, 'x')] });
    expect(result).toMatchObject({ ok: false, platformCode: String(code) });
    expect(result.advice?.en).toContain(en);
  });

  it('an unknown errcode shows code and errmsg', async () => {
    const { result } = await verify({ '/cgi-bin/gettoken': [err(12345, 'strange thing')] });
    expect(result.advice).toEqual({ zh: '企业微信返回错误 12345：strange thing', en: 'WeCom answered error 12345: strange thing' });
  });

  it('AgentId problems from agent/get: 40056 and 60011', async () => {
    const bad = await verify({ '/cgi-bin/gettoken': [ok], '/cgi-bin/agent/get': [err(40056, 'invalid agentid')] });
    expect(bad.result).toMatchObject({ ok: false, platformCode: '40056' });
    expect(bad.result.advice?.zh).toContain('AgentId 1000002 无效');
    const other = await verify({ '/cgi-bin/gettoken': [ok], '/cgi-bin/agent/get': [err(60011, 'no privilege')] });
    expect(other.result).toMatchObject({ ok: false, platformCode: '60011' });
    expect(other.result.advice?.en).toContain('same app');
  });

  it('network errors → cannot reach the API base URL', async () => {
    const network = new PlatformError('TEMPORARY', 'network error calling wecom.test', { platformCode: 'NETWORK' });
    const { result } = await verify({ '/cgi-bin/gettoken': [network] });
    expect(result).toMatchObject({ ok: false, platformCode: 'NETWORK' });
    expect(result.advice?.zh).toContain('无法连接 https://wecom.test');
    expect(result.advice?.en).toContain('firewall');
  });

  it('a refused URL (SSRF policy), an HTTP error and a non-JSON answer are explained', async () => {
    const refused = new PlatformError('CONFIG', 'private address', { platformCode: 'URL_NOT_ALLOWED' });
    expect((await verify({ '/cgi-bin/gettoken': [refused] })).result).toMatchObject({ ok: false, platformCode: 'URL_NOT_ALLOWED' });
    expect((await verify({ '/cgi-bin/gettoken': [{ status: 502, body: 'bad' }] })).result).toMatchObject({ ok: false, platformCode: 'HTTP_502' });
    expect((await verify({ '/cgi-bin/gettoken': [{ body: '<html>' }] })).result).toMatchObject({ ok: false, platformCode: 'HTTP_200' });
  });

  it('an incomplete configuration is reported without any request', async () => {
    const { result, http } = await verify({}, { ...CONFIG, secret: '' });
    expect(result).toMatchObject({ ok: false, platformCode: 'CONFIG_INCOMPLETE' });
    expect(http.requests).toEqual([]);
  });
});

describe('ipFromWecomErrmsg', () => {
  it('finds IPv4 and IPv6 addresses, or nothing', () => {
    expect(ipFromWecomErrmsg('x, from ip: 1.2.3.4, more info')).toBe('1.2.3.4');
    expect(ipFromWecomErrmsg('x, from ip: 2001:db8::1, more')).toBe('2001:db8::1');
    expect(ipFromWecomErrmsg('from ip: 10.0.0.1')).toBe('10.0.0.1');
    expect(ipFromWecomErrmsg('not allow to access from your ip')).toBeUndefined();
  });

  it('60020 without an IP still gives advice', () => {
    expect(wecomCredentialAdvice(60020, 'not allow to access from your ip').zh).toContain('企业可信IP');
  });
});
