import type { SendContext } from '@imbridge/platform-core';
import { MpSender, MP_CUSTOM_TEXT_MAX_BYTES, mpMarkdownToText } from './mp.sender';
import { MemoryMpTokens, mpPlatformErrorOf, ScriptedMpHttp } from './mp-test-fakes';

const CONFIG = {
  appId: 'wx0123456789abcdef',
  appSecret: 'c'.repeat(32),
  token: 'mpToken123',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  encryptionMode: 'safe',
  accountType: 'service',
  verified: true,
  apiBaseUrl: 'https://mp-sim.test/',
};
const USER = { externalId: 'oUser123', kind: 'user' as const };
const SEND = '/cgi-bin/message/custom/send';

function setup(...sendReplies: unknown[]): { http: ScriptedMpHttp; ctx: SendContext } {
  const http = new ScriptedMpHttp()
    .script('/cgi-bin/stable_token', { body: { access_token: 'TOKEN', expires_in: 7200 } })
    .script(SEND, ...sendReplies.map((body) => ({ body })));
  return { http, ctx: { integrationId: 'int', config: CONFIG, tokens: new MemoryMpTokens(), http, idempotencyKey: 'out-1' } };
}

const sender = new MpSender();
const OK = { errcode: 0, errmsg: 'ok' };

describe('MpSender.send (message/custom/send, §4.4)', () => {
  it('sends a text to the openid, on the configured base URL', async () => {
    const { http, ctx } = setup(OK);
    expect(await sender.send(ctx, USER, { type: 'text', text: '你好' })).toEqual({ platformMessageIds: [], parts: 1 });
    expect(http.jsonBodies(SEND)).toEqual([{ touser: 'oUser123', msgtype: 'text', text: { content: '你好' } }]);
    expect(http.calls(SEND)[0]?.url).toMatch(/^https:\/\/mp-sim\.test\/cgi-bin\/message\/custom\/send\?access_token=TOKEN$/);
  });

  it('splits a long text into parts of at most 2048 UTF-8 bytes, in order, joining back exactly', async () => {
    const text = '汉'.repeat(1000) + '\n' + 'x'.repeat(100);
    const { http, ctx } = setup(OK, OK);
    expect((await sender.send(ctx, USER, { type: 'text', text })).parts).toBe(2);
    const contents = http.jsonBodies(SEND).map((b) => (b['text'] as { content: string }).content);
    expect(contents.join('')).toBe(text);
    for (const c of contents) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(MP_CUSTOM_TEXT_MAX_BYTES);
  });

  it('sends markdown, menus and textcards as text', async () => {
    const { http, ctx } = setup(OK, OK, OK);
    await sender.send(ctx, USER, { type: 'markdown', markdown: '## 标题\n**粗** [链接](https://a.example)' });
    await sender.send(ctx, USER, { type: 'menu', head: '请选择', items: [{ id: '1', content: '一' }], tail: '谢谢' });
    await sender.send(ctx, USER, { type: 'textcard', title: 'T', description: 'D', url: 'https://u.example' });
    expect(http.jsonBodies(SEND).map((b) => (b['text'] as { content: string }).content)).toEqual(['标题\n粗 链接 (https://a.example)', '请选择\n一\n谢谢', 'T\nD\nhttps://u.example']);
  });

  it('sends an image by media_id and news with one article', async () => {
    const { http, ctx } = setup(OK, OK);
    await sender.send(ctx, USER, { type: 'image', mediaId: 'MEDIA' });
    await sender.send(ctx, USER, { type: 'news', articles: [{ title: 'A', url: 'https://a.example', picUrl: 'https://p.example/x.png' }, { title: 'B' }] });
    expect(http.jsonBodies(SEND)).toEqual([
      { touser: 'oUser123', msgtype: 'image', image: { media_id: 'MEDIA' } },
      { touser: 'oUser123', msgtype: 'news', news: { articles: [{ title: 'A', url: 'https://a.example', picurl: 'https://p.example/x.png' }] } },
    ]);
  });

  it('refuses what it cannot send, without calling WeChat', async () => {
    const { http, ctx } = setup();
    expect(await mpPlatformErrorOf(sender.send(ctx, USER, { type: 'image', url: 'https://img.example/a.png' }))).toMatchObject({ code: 'INVALID', platformCode: 'NO_MEDIA' });
    expect(await mpPlatformErrorOf(sender.send(ctx, USER, { type: 'text', text: '  \n ' }))).toMatchObject({ code: 'INVALID', platformCode: 'EMPTY_TEXT' });
    expect(await mpPlatformErrorOf(sender.send(ctx, { externalId: 'x', kind: 'chat' }, { type: 'text', text: 'hi' }))).toMatchObject({ platformCode: 'RECIPIENT' });
    expect(await mpPlatformErrorOf(sender.send(ctx, USER, { type: 'file', fileName: 'a.pdf' }))).toMatchObject({ platformCode: 'UNSUPPORTED_TYPE' });
    const unknown = { type: 'video' } as unknown as Parameters<MpSender['send']>[2];
    expect(await mpPlatformErrorOf(sender.send(ctx, USER, unknown))).toMatchObject({ code: 'INVALID', platformCode: 'UNSUPPORTED_TYPE' });
    expect(http.calls(SEND)).toHaveLength(0);
  });

  it('surfaces 45015 / 45047 as WINDOW_CLOSED, not retryable', async () => {
    const { ctx } = setup({ errcode: 45047, errmsg: 'out of response count limit' });
    expect(await mpPlatformErrorOf(sender.send(ctx, USER, { type: 'text', text: 'hi' }))).toMatchObject({ code: 'WINDOW_CLOSED', retryable: false, platformCode: '45047' });
  });
});

describe('MpSender.upload (media/upload)', () => {
  it('uploads an image as multipart field "media" and returns the media_id', async () => {
    const http = new ScriptedMpHttp()
      .script('/cgi-bin/stable_token', { body: { access_token: 'TOKEN', expires_in: 7200 } })
      .script('/cgi-bin/media/upload', { body: { type: 'image', media_id: 'MEDIA_1', created_at: 1700000000 } });
    const ctx = { integrationId: 'int', config: CONFIG, tokens: new MemoryMpTokens(), http, idempotencyKey: 'u' };
    const id = await sender.upload(ctx, { kind: 'image', bytes: Buffer.from('png-bytes'), fileName: 'a.png', contentType: 'image/png' });
    expect(id).toBe('MEDIA_1');
    const req = http.calls('/cgi-bin/media/upload')[0];
    expect(new URL(req?.url ?? '').searchParams.get('type')).toBe('image');
    const form = req?.body as FormData;
    const file = form.get('media') as File;
    expect(file.name).toBe('a.png');
    expect(Buffer.from(await file.arrayBuffer()).toString()).toBe('png-bytes');
  });

  it('refuses files and empty images', async () => {
    const ctx = { integrationId: 'int', config: CONFIG, tokens: new MemoryMpTokens(), http: new ScriptedMpHttp(), idempotencyKey: 'u' };
    expect(await mpPlatformErrorOf(sender.upload(ctx, { kind: 'file', bytes: Buffer.from('x'), fileName: 'a.pdf', contentType: 'application/pdf' }))).toMatchObject({ code: 'INVALID' });
    expect(await mpPlatformErrorOf(sender.upload(ctx, { kind: 'image', bytes: Buffer.alloc(0), fileName: 'a.png', contentType: 'image/png' }))).toMatchObject({ code: 'INVALID' });
  });
});

describe('MpSender.render (console preview)', () => {
  it('shows the parts the user would get', () => {
    const parts = sender.render({ type: 'text', text: 'a'.repeat(3000) });
    expect(parts.map((p) => p.bytes)).toEqual([2048, 952]);
    expect(sender.render({ type: 'markdown', markdown: '**hi**' })).toEqual([{ type: 'text', preview: 'hi', bytes: 2 }]);
    expect(sender.render({ type: 'news', articles: [{ title: 'A', url: 'https://a' }, { title: 'B' }] })).toEqual([{ type: 'news', preview: 'A\nhttps://a' }]);
    expect(sender.render({ type: 'image', mediaId: 'M' })).toEqual([{ type: 'image', preview: 'M' }]);
  });

  it('mpMarkdownToText drops markers and keeps link targets', () => {
    expect(mpMarkdownToText('# H\n> quote\n`code` __b__')).toBe('H\nquote\ncode b');
  });
});
