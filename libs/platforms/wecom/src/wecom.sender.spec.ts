import type { OutgoingMessage, PlatformErrorCode } from '@imbridge/contracts';
import { PlatformError, type HttpRequest, type Recipient, type SendContext } from '@imbridge/platform-core';
import { MemoryClaims, MemoryTokens as MemoryWecomTokens, ScriptedHttp as ScriptedWecomHttp, type ScriptedReply } from '@imbridge/platform-core/testing';
import { readWecomConfig } from './wecom.descriptor';
import { callWecomApi, fetchWecomToken, uploadFileName, WecomSender, wecomTokenKey } from './wecom.sender';

const CONFIG = {
  corpId: 'ww0123456789abcdef',
  agentId: 1000002,
  secret: 'S'.repeat(43),
  token: 'Token',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://wecom.test/',
};
const BASE = 'https://wecom.test';

type Reply = ScriptedReply;

function setup(): { http: ScriptedWecomHttp; tokens: MemoryWecomTokens; ctx: SendContext } {
  const http = new ScriptedWecomHttp();
  const tokens = new MemoryWecomTokens();
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

  it('refuses a chat recipient, an unknown type and an empty text without calling WeCom', async () => {
    const { http, ctx } = setup();
    expectError(await platformError(sender.send(ctx, { externalId: 'chat-1', kind: 'chat' }, TEXT)), 'INVALID', 'RECIPIENT', false);
    expectError(await platformError(sender.send(ctx, USER, { type: 'sticker' } as unknown as OutgoingMessage)), 'INVALID', 'UNSUPPORTED_TYPE', false);
    expectError(await platformError(sender.send(ctx, USER, { type: 'text', text: ' \n ' })), 'INVALID', 'EMPTY_TEXT', false);
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

const bodyOf = (req: HttpRequest | undefined): Record<string, unknown> => JSON.parse(String(req?.body)) as Record<string, unknown>;
const contentOf = (req: HttpRequest | undefined): string => (bodyOf(req)['text'] as { content: string }).content;

describe('WecomSender: long text and markdown', () => {
  const sender = new WecomSender();

  it('splits a 5,000-byte Chinese text into ordered sends of ≤ 2048 bytes and returns every msgid', async () => {
    const { http, ctx } = setup();
    let text = '';
    for (let i = 0; Buffer.byteLength(text) < 5000; i++) text += `第${i}句：企业微信的文本消息最长两千零四十八字节。`;
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('m1'), sent('m2'), sent('m3'));
    const result = await sender.send(ctx, USER, { type: 'text', text });
    const sends = http.calls('/cgi-bin/message/send');
    expect(result).toEqual({ platformMessageIds: ['m1', 'm2', 'm3'], parts: 3 });
    expect(sends.map(contentOf).join('')).toBe(text);
    for (const s of sends) expect(Buffer.byteLength(contentOf(s))).toBeLessThanOrEqual(2048);
    expect(sends.map((s) => bodyOf(s)['msgtype'])).toEqual(['text', 'text', 'text']);
    // Parts of a split text ask WeCom to drop duplicates, so a retry of the whole message does not repeat them.
    for (const s of sends) expect(bodyOf(s)).toMatchObject({ enable_duplicate_check: 1, duplicate_check_interval: 3600 });
  });

  it('stops at the first failing part (the outbox retries the message)', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('m1'), fail(-1, 'system busy'));
    const err = await platformError(sender.send(ctx, USER, { type: 'text', text: '长'.repeat(2000) }));
    expectError(err, 'TEMPORARY', '-1', true);
    expect(http.calls('/cgi-bin/message/send')).toHaveLength(2);
  });

  it('sends markdown as plain text', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('m1'));
    await sender.send(ctx, USER, { type: 'markdown', markdown: '## 标题\n**加粗** 见 [文档](https://d.example/x)\n* 一\n```\ncode\n```' });
    const req = http.calls('/cgi-bin/message/send')[0];
    expect(bodyOf(req)['msgtype']).toBe('text');
    expect(contentOf(req)).toBe('标题\n加粗 见 文档 (https://d.example/x)\n- 一\ncode');
  });
});

describe('WecomSender: cards', () => {
  const sender = new WecomSender();

  it('maps textcard with byte-limited title/description and a ≤ 4-character button', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('c1'));
    const title = '很长的标题'.repeat(20);
    const description = '描述'.repeat(200);
    await expect(
      sender.send(ctx, USER, { type: 'textcard', title, description, url: 'https://x.example/o/1', buttonText: '查看详情页面' }),
    ).resolves.toEqual({ platformMessageIds: ['c1'], parts: 1 });
    const body = bodyOf(http.calls('/cgi-bin/message/send')[0]);
    const card = body['textcard'] as Record<string, string>;
    expect(body).toMatchObject({ touser: 'zhangsan', msgtype: 'textcard', agentid: 1000002 });
    expect(Buffer.byteLength(card['title'] ?? '')).toBeLessThanOrEqual(128);
    expect(Buffer.byteLength(card['description'] ?? '')).toBeLessThanOrEqual(512);
    expect(card['title']?.startsWith('很长的标题')).toBe(true);
    expect(card['url']).toBe('https://x.example/o/1');
    expect(card['btntxt']).toBe('查看详情');
  });

  it('maps news articles (at most 8), renaming picUrl → picurl', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('n1'));
    const articles = Array.from({ length: 10 }, (_, i) => ({ title: `文章${i}${'题'.repeat(60)}`, description: 'd', url: `https://x.example/${i}`, picUrl: `https://x.example/${i}.png` }));
    await sender.send(ctx, USER, { type: 'news', articles });
    const news = bodyOf(http.calls('/cgi-bin/message/send')[0])['news'] as { articles: Record<string, string>[] };
    expect(news.articles).toHaveLength(8);
    expect(news.articles[0]).toEqual({ title: expect.any(String), description: 'd', url: 'https://x.example/0', picurl: 'https://x.example/0.png' });
    for (const a of news.articles) expect(Buffer.byteLength(a['title'] ?? '')).toBeLessThanOrEqual(128);
  });

  it('refuses news without articles', async () => {
    const { ctx } = setup();
    expectError(await platformError(sender.send(ctx, USER, { type: 'news', articles: [] })), 'INVALID', 'NO_ARTICLES', false);
  });
});

describe('WecomSender: image and file', () => {
  const sender = new WecomSender();
  const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const png = (): Reply => ({ body: PNG, headers: { 'content-type': 'image/png' } });
  const uploaded = (id: string): Reply => ({ body: { errcode: 0, errmsg: '', type: 'image', media_id: id, created_at: '1380000000' } });

  it('sends a known media_id directly', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', token('T1')).script('/cgi-bin/message/send', sent('i1'));
    await sender.send(ctx, USER, { type: 'image', mediaId: 'MID' });
    expect(bodyOf(http.calls('/cgi-bin/message/send')[0])).toMatchObject({ msgtype: 'image', image: { media_id: 'MID' } });
    expect(http.calls('/cgi-bin/media/upload')).toEqual([]);
  });

  it('downloads a url, uploads it as multipart field "media" with a filename, then sends the media_id', async () => {
    const { http, ctx } = setup();
    http
      .script('/img/logo.png', png())
      .script('/cgi-bin/gettoken', token('T1'))
      .script('/cgi-bin/media/upload', uploaded('MEDIA-1'))
      .script('/cgi-bin/message/send', sent('i1'));
    await expect(sender.send(ctx, USER, { type: 'image', url: 'https://files.test/img/logo.png' })).resolves.toEqual({ platformMessageIds: ['i1'], parts: 1 });
    const up = http.calls('/cgi-bin/media/upload')[0];
    const upUrl = new URL(up?.url ?? '');
    expect(upUrl.searchParams.get('type')).toBe('image');
    expect(upUrl.searchParams.get('access_token')).toBe('T1');
    expect(up?.headers).toBeUndefined(); // fetch sets multipart/form-data with the boundary
    const form = up?.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    const file = form.get('media') as File;
    expect(file.name).toBe('logo.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
    expect(bodyOf(http.calls('/cgi-bin/message/send')[0])).toMatchObject({ msgtype: 'image', image: { media_id: 'MEDIA-1' } });
  });

  it('uploads files with their fileName', async () => {
    const { http, ctx } = setup();
    http
      .script('/dl', { body: Buffer.from('%PDF-1.4 hello'), headers: { 'content-type': 'application/pdf' } })
      .script('/cgi-bin/gettoken', token('T1'))
      .script('/cgi-bin/media/upload', uploaded('F1'))
      .script('/cgi-bin/message/send', sent('f1'));
    await sender.send(ctx, USER, { type: 'file', url: 'https://files.test/dl?id=7', fileName: '报价单.pdf' });
    const up = http.calls('/cgi-bin/media/upload')[0];
    expect(new URL(up?.url ?? '').searchParams.get('type')).toBe('file');
    expect(((up?.body as FormData).get('media') as File).name).toBe('报价单.pdf');
    expect(bodyOf(http.calls('/cgi-bin/message/send')[0])).toMatchObject({ msgtype: 'file', file: { media_id: 'F1' } });
  });

  it('re-uploads once from the url when the media_id expired (40007), then sends', async () => {
    const { http, ctx } = setup();
    http
      .script('/img/a.png', png())
      .script('/cgi-bin/gettoken', token('T1'))
      .script('/cgi-bin/media/upload', uploaded('FRESH'))
      .script('/cgi-bin/message/send', fail(40007, 'invalid media_id'), sent('i2'));
    await expect(sender.send(ctx, USER, { type: 'image', mediaId: 'OLD', url: 'https://files.test/img/a.png' })).resolves.toEqual({
      platformMessageIds: ['i2'],
      parts: 1,
    });
    expect(http.calls('/cgi-bin/message/send').map((r) => (bodyOf(r)['image'] as { media_id: string }).media_id)).toEqual(['OLD', 'FRESH']);
    expect(http.calls('/cgi-bin/media/upload')).toHaveLength(1);
  });

  it('does not re-upload a second time, nor without a url', async () => {
    const { http, ctx } = setup();
    http
      .script('/img/a.png', png())
      .script('/cgi-bin/gettoken', token('T1'))
      .script('/cgi-bin/media/upload', uploaded('FRESH'))
      .script('/cgi-bin/message/send', fail(40007), fail(40007), fail(40007));
    expectError(await platformError(sender.send(ctx, USER, { type: 'image', mediaId: 'OLD', url: 'https://files.test/img/a.png' })), 'INVALID', '40007', false);
    expect(http.calls('/cgi-bin/media/upload')).toHaveLength(1);
    expectError(await platformError(sender.send(ctx, USER, { type: 'image', mediaId: 'OLD' })), 'INVALID', '40007', false);
    expect(http.calls('/cgi-bin/media/upload')).toHaveLength(1);
  });

  it('refreshes the token once on an upload too', async () => {
    const { http, ctx } = setup();
    http
      .script('/img/a.png', png())
      .script('/cgi-bin/gettoken', token('OLD'), token('NEW'))
      .script('/cgi-bin/media/upload', fail(42001), uploaded('M'))
      .script('/cgi-bin/message/send', sent('i'));
    await sender.send(ctx, USER, { type: 'image', url: 'https://files.test/img/a.png' });
    expect(http.calls('/cgi-bin/media/upload').map(tokenIn)).toEqual(['OLD', 'NEW']);
    // The FormData is rebuilt for the retry.
    const [a, b] = http.calls('/cgi-bin/media/upload');
    expect(a?.body).not.toBe(b?.body);
  });

  it('maps download failures: 404 → INVALID, 503 → TEMPORARY, too small → INVALID', async () => {
    const { http, ctx } = setup();
    http.script('/a', { status: 404, body: 'nope' }).script('/b', { status: 503, body: 'later' }).script('/c', { body: Buffer.from('tiny') });
    expectError(await platformError(sender.send(ctx, USER, { type: 'image', url: 'https://files.test/a' })), 'INVALID', 'MEDIA_HTTP_404', false);
    expectError(await platformError(sender.send(ctx, USER, { type: 'image', url: 'https://files.test/b' })), 'TEMPORARY', 'MEDIA_HTTP_503', true);
    expectError(await platformError(sender.send(ctx, USER, { type: 'image', url: 'https://files.test/c' })), 'INVALID', 'MEDIA_TOO_SMALL', false);
    expectError(await platformError(sender.send(ctx, USER, { type: 'image' })), 'INVALID', 'NO_MEDIA', false);
  });
});

describe('uploadFileName', () => {
  it('uses the given name, else the URL path, else a name from the content type', () => {
    expect(uploadFileName('https://x/a/b.png', 'image/png', 'my "file".png')).toBe('my _file_.png');
    expect(uploadFileName('https://x/a/%E5%9B%BE.jpg?x=1', 'image/jpeg')).toBe('图.jpg');
    expect(uploadFileName('https://x/', 'image/jpeg')).toBe('media.jpg');
    expect(uploadFileName('https://x/', 'application/x-unknown')).toBe('media.bin');
  });
});

describe('WecomSender: duplicate check (at most one delivery per message)', () => {
  const sender = new WecomSender();
  const ZWSP = '\u200b';

  function withClaims(claims: MemoryClaims, key: string, http: ScriptedWecomHttp, inDoubt = false): SendContext {
    return { integrationId: 'int-1', config: CONFIG, tokens: new MemoryWecomTokens(), http, idempotencyKey: key, claims: claims.for(key), inDoubt };
  }

  it('sends every attempt of one message with the same JSON and the check on, so WeCom drops a retry that already arrived', async () => {
    const claims = new MemoryClaims();
    const http = new ScriptedWecomHttp();
    http.script('/cgi-bin/gettoken', token('T1'), token('T1')).script('/cgi-bin/message/send', sent('m1'), sent('m1-retry'));
    await sender.send(withClaims(claims, 'out-1', http), USER, TEXT);
    await sender.send(withClaims(claims, 'out-1', http, true), USER, TEXT);
    const [first, retry] = http.calls('/cgi-bin/message/send').map(bodyOf);
    expect(first).toEqual({ touser: 'zhangsan', agentid: 1000002, msgtype: 'text', text: { content: TEXT.type === 'text' ? TEXT.text : '' }, enable_duplicate_check: 1, duplicate_check_interval: 3600 });
    expect(retry).toEqual(first);
  });

  it('varies a different message with the same content invisibly, so WeCom delivers both', async () => {
    const claims = new MemoryClaims();
    const http = new ScriptedWecomHttp();
    http.script('/cgi-bin/gettoken', token('T1'), token('T1'), token('T1'), token('T1')).script('/cgi-bin/message/send', sent('a'), sent('b'), sent('c'), sent('b2'));
    await sender.send(withClaims(claims, 'out-1', http), USER, { type: 'text', text: '营业时间 9:00-18:00' });
    await sender.send(withClaims(claims, 'out-2', http), USER, { type: 'text', text: '营业时间 9:00-18:00' });
    await sender.send(withClaims(claims, 'out-3', http), USER, { type: 'text', text: '营业时间 9:00-18:00' });
    // out-2 again (its outcome was unknown): the same variant as its first attempt.
    await sender.send(withClaims(claims, 'out-2', http, true), USER, { type: 'text', text: '营业时间 9:00-18:00' });
    const contents = http.calls('/cgi-bin/message/send').map(contentOf);
    expect(contents).toEqual(['营业时间 9:00-18:00', `营业时间 9:00-18:00${ZWSP}`, `营业时间 9:00-18:00${ZWSP}${ZWSP}`, `营业时间 9:00-18:00${ZWSP}`]);
    for (const req of http.calls('/cgi-bin/message/send')) expect(bodyOf(req)).toMatchObject({ enable_duplicate_check: 1 });
  });

  it('another member with the same content needs no variant', async () => {
    const claims = new MemoryClaims();
    const http = new ScriptedWecomHttp();
    http.script('/cgi-bin/gettoken', token('T1'), token('T1')).script('/cgi-bin/message/send', sent('a'), sent('b'));
    await sender.send(withClaims(claims, 'out-1', http), USER, TEXT);
    await sender.send(withClaims(claims, 'out-2', http), { externalId: 'lisi', kind: 'user' }, TEXT);
    expect(http.calls('/cgi-bin/message/send').map(contentOf)).toEqual(['你好\n  world', '你好\n  world']);
  });

  it('sends content that cannot vary (a media_id, a full 2048-byte part) without the check rather than have WeCom drop it', async () => {
    const claims = new MemoryClaims();
    const http = new ScriptedWecomHttp();
    http.script('/cgi-bin/gettoken', token('T1'), token('T1'), token('T1'), token('T1')).script('/cgi-bin/message/send', sent('a'), sent('b'), sent('c'), sent('d'));
    const image: OutgoingMessage = { type: 'image', mediaId: 'MEDIA_1' };
    await sender.send(withClaims(claims, 'out-1', http), USER, image);
    await sender.send(withClaims(claims, 'out-2', http), USER, image);
    const full = 'a'.repeat(2048);
    await sender.send(withClaims(claims, 'out-3', http), USER, { type: 'text', text: full });
    await sender.send(withClaims(claims, 'out-4', http), USER, { type: 'text', text: full });
    const bodies = http.calls('/cgi-bin/message/send').map(bodyOf);
    expect(bodies.map((b) => b['enable_duplicate_check'])).toEqual([1, 0, 1, 0]);
    expect(bodies[1]).toEqual({ touser: 'zhangsan', agentid: 1000002, msgtype: 'image', image: { media_id: 'MEDIA_1' }, enable_duplicate_check: 0 });
    expect((bodies[3]!['text'] as { content: string }).content).toBe(full);
  });

  it('varies a textcard by its description and a news message by its first title', async () => {
    const claims = new MemoryClaims();
    const http = new ScriptedWecomHttp();
    http.script('/cgi-bin/gettoken', token('T1'), token('T1'), token('T1'), token('T1')).script('/cgi-bin/message/send', sent('a'), sent('b'), sent('c'), sent('d'));
    const card: OutgoingMessage = { type: 'textcard', title: '订单', description: '已发货', url: 'https://shop.example/o/1' };
    const news: OutgoingMessage = { type: 'news', articles: [{ title: '新品', url: 'https://shop.example/n' }, { title: '活动' }] };
    for (const [key, msg] of [['c1', card], ['c2', card], ['n1', news], ['n2', news]] as const) await sender.send(withClaims(claims, key, http), USER, msg);
    const bodies = http.calls('/cgi-bin/message/send').map(bodyOf);
    expect((bodies[1]!['textcard'] as { description: string }).description).toBe(`已发货${ZWSP}`);
    expect((bodies[3]!['news'] as { articles: { title: string }[] }).articles.map((a) => a.title)).toEqual([`新品${ZWSP}`, '活动']);
    expect(bodies.map((b) => b['enable_duplicate_check'])).toEqual([1, 1, 1, 1]);
  });
});
