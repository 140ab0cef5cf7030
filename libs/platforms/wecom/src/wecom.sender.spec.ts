import type { OutgoingMessage, PlatformErrorCode } from '@imbridge/contracts';
import {
  PlatformError,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type Recipient,
  type SendContext,
  type TokenProvider,
} from '@imbridge/platform-core';
import { readWecomConfig } from './wecom.descriptor';
import { callWecomApi, fetchWecomToken, WecomSender, wecomTokenKey } from './wecom.sender';

const CONFIG = {
  corpId: 'ww0123456789abcdef',
  agentId: 1000002,
  secret: 'S'.repeat(43),
  token: 'Token',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://wecom.test/',
};
const BASE = 'https://wecom.test';

type Reply = { status?: number; body: unknown } | Error;

/** A scripted HttpClient: one queue of answers per API path, every request recorded. */
class FakeHttpClient implements HttpClient {
  readonly requests: HttpRequest[] = [];
  private readonly scripts = new Map<string, Reply[]>();

  script(path: string, ...replies: Reply[]): this {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...replies]);
    return this;
  }

  calls(path: string): HttpRequest[] {
    return this.requests.filter((r) => new URL(r.url).pathname === path);
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const path = new URL(req.url).pathname;
    const reply = this.scripts.get(path)?.shift();
    if (reply === undefined) return Promise.reject(new Error(`unexpected request to ${path}`));
    if (reply instanceof Error) return Promise.reject(reply);
    const status = reply.status ?? 200;
    const body = Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    return Promise.resolve({
      status,
      headers: new Headers({ 'content-type': 'application/json' }),
      body,
      json<T>(): T {
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch (err) {
          throw new PlatformError('TEMPORARY', `non-JSON answer (HTTP ${status})`, { cause: err, platformCode: `HTTP_${status}` });
        }
      },
    });
  }
}

/** An in-memory TokenProvider with the real contract: cached per key, invalidated only if still current. */
class FakeTokenProvider implements TokenProvider {
  readonly tokens = new Map<string, string>();
  readonly invalidations: { key: string; failedToken: string }[] = [];
  fetches = 0;

  async get(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached !== undefined) return cached;
    this.fetches++;
    const { token } = await fetchToken();
    this.tokens.set(key, token);
    return token;
  }

  invalidate(key: string, failedToken: string): Promise<void> {
    this.invalidations.push({ key, failedToken });
    if (this.tokens.get(key) === failedToken) this.tokens.delete(key);
    return Promise.resolve();
  }
}

function setup(): { http: FakeHttpClient; tokens: FakeTokenProvider; ctx: SendContext } {
  const http = new FakeHttpClient();
  const tokens = new FakeTokenProvider();
  return { http, tokens, ctx: { integrationId: 'int-1', config: CONFIG, tokens, http, idempotencyKey: 'out-1' } };
}

const token = (t: string): Reply => ({ body: { errcode: 0, errmsg: 'ok', access_token: t, expires_in: 7200 } });
const sent = (msgid: string): Reply => ({ body: { errcode: 0, errmsg: 'ok', msgid } });
const fail = (errcode: number, errmsg = 'error'): Reply => ({ body: { errcode, errmsg } });

const USER: Recipient = { externalId: 'zhangsan', kind: 'user' };
const TEXT: OutgoingMessage = { type: 'text', text: '你好\n  world' };

async function platformError(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformError);
    return err as PlatformError;
  }
  throw new Error('expected a PlatformError, the call succeeded');
}

function expectError(err: PlatformError, code: PlatformErrorCode, platformCode: string, retryable: boolean): void {
  expect({ code: err.code, platformCode: err.platformCode, retryable: err.retryable }).toEqual({ code, platformCode, retryable });
}

function tokenIn(req: HttpRequest | undefined): string | null {
  return req ? new URL(req.url).searchParams.get('access_token') : null;
}

describe('WecomSender', () => {
  const sender = new WecomSender();

  it('fetches a token, then sends a text message to a user', async () => {
    const { http, tokens, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('msg-1'));

    await expect(sender.send(ctx, USER, TEXT)).resolves.toEqual({ platformMessageIds: ['msg-1'], parts: 1 });

    const [get, send] = http.requests;
    expect(get?.method).toBe('GET');
    const getUrl = new URL(get?.url ?? '');
    expect(`${getUrl.origin}${getUrl.pathname}`).toBe(`${BASE}/cgi-bin/gettoken`);
    expect(getUrl.searchParams.get('corpid')).toBe(CONFIG.corpId);
    expect(getUrl.searchParams.get('corpsecret')).toBe(CONFIG.secret);

    expect(send?.method).toBe('POST');
    expect(send?.url).toBe(`${BASE}/cgi-bin/message/send?access_token=T1`);
    expect(send?.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(send?.body))).toEqual({
      touser: 'zhangsan',
      msgtype: 'text',
      agentid: 1000002,
      text: { content: '你好\n  world' },
      enable_duplicate_check: 0,
    });
    expect(tokens.fetches).toBe(1);
  });

  it('reuses the cached token for the next message', async () => {
    const { http, tokens, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('m1'), sent('m2'));
    await sender.send(ctx, USER, TEXT);
    await sender.send(ctx, USER, TEXT);
    expect(http.calls('/cgi-bin/gettoken')).toHaveLength(1);
    expect(tokens.fetches).toBe(1);
  });

  it('returns no ids when WeCom omits msgid', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', { body: { errcode: 0, errmsg: 'ok' } });
    await expect(sender.send(ctx, USER, TEXT)).resolves.toEqual({ platformMessageIds: [], parts: 1 });
  });

  it('refreshes the token exactly once on 42001, then succeeds', async () => {
    const { http, tokens, ctx } = setup();
    http
      .script('/cgi-bin/gettoken', token('OLD'), token('NEW'))
      .script('/cgi-bin/message/send', fail(42001, 'access_token expired'), sent('msg-2'));

    await expect(sender.send(ctx, USER, TEXT)).resolves.toEqual({ platformMessageIds: ['msg-2'], parts: 1 });

    expect(http.calls('/cgi-bin/gettoken')).toHaveLength(2);
    const sends = http.calls('/cgi-bin/message/send');
    expect(sends.map(tokenIn)).toEqual(['OLD', 'NEW']);
    expect(tokens.invalidations).toEqual([{ key: wecomTokenKey(readWecomConfig(CONFIG)), failedToken: 'OLD' }]);
  });

  it('surfaces AUTH_EXPIRED when the refreshed token fails too, without a third attempt', async () => {
    const { http, tokens, ctx } = setup();
    http
      .script('/cgi-bin/gettoken', token('OLD'), token('NEW'))
      .script('/cgi-bin/message/send', fail(42001, 'access_token expired'), fail(42001, 'access_token expired'));

    const err = await platformError(sender.send(ctx, USER, TEXT));
    expectError(err, 'AUTH_EXPIRED', '42001', true);
    expect(http.calls('/cgi-bin/message/send')).toHaveLength(2);
    expect(http.calls('/cgi-bin/gettoken')).toHaveLength(2);
    expect(tokens.invalidations).toHaveLength(1);
  });

  it.each([40014, 41001, 40001])('also refreshes once on %i', async (errcode) => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('OLD'), token('NEW')).script('/cgi-bin/message/send', fail(errcode), sent('ok'));
    await expect(sender.send(ctx, USER, TEXT)).resolves.toEqual({ platformMessageIds: ['ok'], parts: 1 });
    expect(http.calls('/cgi-bin/message/send').map(tokenIn)).toEqual(['OLD', 'NEW']);
  });

  it('does not refresh on other errors', async () => {
    const { http, tokens, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', fail(45009, 'api freq out of limit'));
    const err = await platformError(sender.send(ctx, USER, TEXT));
    expectError(err, 'RATE_LIMITED', '45009', true);
    expect(http.calls('/cgi-bin/message/send')).toHaveLength(1);
    expect(tokens.invalidations).toEqual([]);
  });

  it.each([
    [81013, 'INVALID', false],
    [60020, 'CONFIG', false],
    [48002, 'PERMISSION', false],
    [-1, 'TEMPORARY', true],
  ] as const)('maps errcode %i on message/send to %s', async (errcode, code, retryable) => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', fail(errcode));
    expectError(await platformError(sender.send(ctx, USER, TEXT)), code, String(errcode), retryable);
  });

  it('treats an answer without errcode as TEMPORARY', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', { body: { msgid: 'x' } });
    expectError(await platformError(sender.send(ctx, USER, TEXT)), 'TEMPORARY', '-1', true);
  });

  it('maps 40001 on gettoken (wrong secret) to CONFIG, without retrying', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', fail(40001, 'invalid credential'));
    const err = await platformError(sender.send(ctx, USER, TEXT));
    expectError(err, 'CONFIG', '40001', false);
    expect(err.message).toContain('gettoken');
    expect(http.requests).toHaveLength(1);
  });

  it('maps a token errcode on gettoken to CONFIG, never a refresh loop', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', fail(42001));
    expectError(await platformError(sender.send(ctx, USER, TEXT)), 'CONFIG', '42001', false);
    expect(http.requests).toHaveLength(1);
  });

  it('maps other gettoken errcodes as usual', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', fail(60020, 'not allow to access from your ip'));
    expectError(await platformError(sender.send(ctx, USER, TEXT)), 'CONFIG', '60020', false);
  });

  it('refuses a gettoken answer without access_token, without sending', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: { errcode: 0, errmsg: 'ok' } });
    expectError(await platformError(sender.send(ctx, USER, TEXT)), 'UNKNOWN', '0', false);
    expect(http.calls('/cgi-bin/message/send')).toEqual([]);
  });

  it.each([500, 502, 429, 404])('maps HTTP %i on message/send to TEMPORARY', async (status) => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', { status, body: 'Bad Gateway' });
    const err = await platformError(sender.send(ctx, USER, TEXT));
    expectError(err, 'TEMPORARY', `HTTP_${status}`, true);
    expect(http.calls('/cgi-bin/message/send')).toHaveLength(1);
  });

  it('maps a non-200 on gettoken to TEMPORARY', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { status: 503, body: '' });
    expectError(await platformError(sender.send(ctx, USER, TEXT)), 'TEMPORARY', 'HTTP_503', true);
  });

  it('maps a non-JSON 200 to TEMPORARY', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', { body: '<html>proxy error</html>' });
    expectError(await platformError(sender.send(ctx, USER, TEXT)), 'TEMPORARY', 'HTTP_200', true);
  });

  it('passes network errors of the client through', async () => {
    const { http, ctx } = setup();
    const network = new PlatformError('TEMPORARY', 'network error calling wecom.test', { platformCode: 'NETWORK' });
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', network);
    await expect(sender.send(ctx, USER, TEXT)).rejects.toBe(network);
  });

  it('refuses a chat recipient and non-text messages without calling WeCom', async () => {
    const { http, ctx } = setup();
    expectError(await platformError(sender.send(ctx, { externalId: 'chat-1', kind: 'chat' }, TEXT)), 'INVALID', 'RECIPIENT', false);
    expectError(await platformError(sender.send(ctx, USER, { type: 'markdown', markdown: '**hi**' })), 'INVALID', 'UNSUPPORTED_TYPE', false);
    expect(http.requests).toEqual([]);
  });
});

describe('callWecomApi', () => {
  it('posts the body as JSON to the named API and returns the answer', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/user/get', { body: { errcode: 0, errmsg: 'ok', msgid: 'x' } });
    await expect(callWecomApi(ctx, readWecomConfig(CONFIG), 'user/get', { userid: 'a' })).resolves.toEqual({
      errcode: 0,
      errmsg: 'ok',
      msgid: 'x',
    });
    expect(JSON.parse(String(http.calls('/cgi-bin/user/get')[0]?.body))).toEqual({ userid: 'a' });
  });

  it('encodes the token in the URL', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('a+b/c=&d')).script('/cgi-bin/message/send', sent('1'));
    await callWecomApi(ctx, readWecomConfig(CONFIG), 'message/send', {});
    expect(tokenIn(http.calls('/cgi-bin/message/send')[0])).toBe('a+b/c=&d');
  });
});

describe('fetchWecomToken', () => {
  it('defaults the lifetime to 7200 s', async () => {
    const { http } = setup();
    http.script('/cgi-bin/gettoken', { body: { errcode: 0, access_token: 'T' } });
    await expect(fetchWecomToken({ http }, readWecomConfig(CONFIG))).resolves.toEqual({ token: 'T', expiresInSeconds: 7200 });
  });

  it('uses the default API base URL', async () => {
    const { http } = setup();
    http.script('/cgi-bin/gettoken', token('T'));
    await fetchWecomToken({ http }, readWecomConfig({ ...CONFIG, apiBaseUrl: '' }));
    expect(new URL(http.requests[0]?.url ?? '').origin).toBe('https://qyapi.weixin.qq.com');
  });
});

describe('wecomTokenKey', () => {
  it('is per corp and secret, and does not contain the secret', () => {
    const cfg = readWecomConfig(CONFIG);
    const key = wecomTokenKey(cfg);
    expect(key).toMatch(/^wecom:ww0123456789abcdef:[0-9a-f]{16}$/);
    expect(key).not.toContain(CONFIG.secret);
    expect(wecomTokenKey({ ...cfg, secret: 'T'.repeat(43) })).not.toBe(key);
    expect(wecomTokenKey({ ...cfg, corpId: 'ww0000000000000000' })).not.toBe(key);
  });
});
