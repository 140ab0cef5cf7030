import { decodeEncodingAesKey, timingSafeEqualStr, wxDecryptFor, wxEncryptReply, wxReplyXml, wxSignature } from '@imbridge/crypto';
import { readXmlElement } from '../core/xml.util';
import { startPlatformSim, type PlatformSim } from '../platform-sim';
import { startCallbackReceiver, type CallbackReceiver, type ReceivedRequest, type ReceiverAnswer } from '../testing/callback-receiver.testing';
import type { ChatEntry } from './chat-sim.types';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CORP = 'wwchat';
const AGENT = 1000002;
const TOKEN = 'chat-token';
/** Big enough for media/upload (more than 5 bytes); starts like a PNG. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

let sim: PlatformSim;
let receiver: CallbackReceiver | undefined;

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

type Json = Record<string, unknown>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}

/** Plays the gateway: answers URL verification, otherwise `answer` (default 200 empty). */
async function gateway(answer: (req: ReceivedRequest) => ReceiverAnswer = () => ({ status: 200 })): Promise<CallbackReceiver> {
  receiver = await startCallbackReceiver((req) => {
    if (req.method === 'GET') return { status: 200, body: wxDecryptFor(decodeEncodingAesKey(AES_KEY), req.query.get('echostr') ?? '', CORP).toString() };
    return answer(req);
  });
  return receiver;
}

/** Registers the app and verifies the receiver's URL, both over the control API, as the e2e does. */
async function registerAndVerify(url: string): Promise<void> {
  expect((await call('POST', '/_sim/wecom/apps', { corpId: CORP, agentId: AGENT, secret: 'sec', token: TOKEN, encodingAesKey: AES_KEY })).status).toBe(201);
  const verify = await call('POST', '/_sim/wecom/verify-url', { callbackUrl: url, corpId: CORP });
  expect(verify.json['status']).toBe(200);
}

/** Sends as the gateway would: gettoken, then message/send. */
async function appSends(body: Json): Promise<void> {
  const token = (await call('GET', `/cgi-bin/gettoken?corpid=${CORP}&corpsecret=sec`)).json['access_token'] as string;
  const res = await call('POST', `/cgi-bin/message/send?access_token=${token}`, { agentid: AGENT, ...body });
  expect(res.json['errcode']).toBe(0);
}

async function transcript(userId: string): Promise<ChatEntry[]> {
  const res = await call('GET', `/_sim/chat/conversation?corpId=${CORP}&agentId=${AGENT}&userId=${encodeURIComponent(userId)}`);
  expect(res.status).toBe(200);
  return res.json['entries'] as ChatEntry[];
}

/** Opens one callback the gateway received: checks its signature and decrypts it. */
function openCallback(req: ReceivedRequest): string {
  const encrypt = readXmlElement(req.body, 'Encrypt') ?? '';
  const signature = req.query.get('msg_signature') ?? '';
  expect(timingSafeEqualStr(wxSignature(TOKEN, req.query.get('timestamp') ?? '', req.query.get('nonce') ?? '', encrypt), signature)).toBe(true);
  return wxDecryptFor(decodeEncodingAesKey(AES_KEY), encrypt, CORP).toString('utf8');
}

describe('GET /chat', () => {
  it.each(['/chat', '/chat/'])('%s serves one self-contained page under a nonce CSP', async (path) => {
    const res = await fetch(`${sim.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    // Every script and style block carries the nonce; nothing is loaded from elsewhere.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).not.toMatch(/<iframe\b|\bsrc="/);
    expect(html.match(/<link\b[^>]*>/g)).toEqual(['<link rel="icon" href="/chat/favicon.svg" type="image/svg+xml">']);
    const icon = await fetch(`${sim.url}/chat/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
    expect(html).not.toContain('innerHTML');
    // Bilingual, Chinese first.
    for (const label of ['发送 Send', '应用 App', '回调地址 Callback URL', '显示名称 · Display name']) expect(html).toContain(label);
  });

  it('uses a fresh nonce for every response', async () => {
    const a = (await fetch(`${sim.url}/chat`)).headers.get('content-security-policy');
    const b = (await fetch(`${sim.url}/chat`)).headers.get('content-security-policy');
    expect(a).not.toBe(b);
  });
});

describe('apps and callback URLs', () => {
  it('lists apps registered over the control API and learns the callback URL from a passed URL verification', async () => {
    const r = await gateway();
    await call('POST', '/_sim/wecom/apps', { corpId: CORP, agentId: AGENT, secret: 'sec', token: TOKEN, encodingAesKey: AES_KEY });
    expect((await call('GET', '/_sim/chat/apps')).json).toEqual({ apps: [{ corpId: CORP, agentId: AGENT, callbackUrl: null }] });

    // A verification the gateway fails does not count.
    await call('POST', '/_sim/wecom/verify-url', { callbackUrl: 'http://127.0.0.1:9/nothing', corpId: CORP, timeoutMs: 500 });
    expect((await call('GET', '/_sim/chat/apps')).json['apps']).toEqual([{ corpId: CORP, agentId: AGENT, callbackUrl: null }]);

    await call('POST', '/_sim/wecom/verify-url', { callbackUrl: r.url, corpId: CORP });
    expect((await call('GET', '/_sim/chat/apps')).json['apps']).toEqual([{ corpId: CORP, agentId: AGENT, callbackUrl: r.url }]);

    await call('POST', '/_sim/reset');
    expect((await call('GET', '/_sim/chat/apps')).json['apps']).toEqual([]);
  });

  it('learns the URL from an acknowledged push and takes one set explicitly (apps added in-process too)', async () => {
    const r = await gateway();
    sim.wecom.addApp({ corpId: CORP, agentId: AGENT, secret: 'sec', token: TOKEN, encodingAesKey: AES_KEY });
    expect((await call('GET', '/_sim/chat/apps')).json['apps']).toEqual([]);
    const put = await call('PUT', '/_sim/chat/apps', { corpId: CORP, agentId: String(AGENT), callbackUrl: 'http://127.0.0.1:9/old' });
    expect(put.json).toEqual({ app: { corpId: CORP, agentId: AGENT, callbackUrl: 'http://127.0.0.1:9/old' } });

    await call('POST', '/_sim/wecom/push', { callbackUrl: r.url, corpId: CORP, message: { type: 'text', fromUser: 'u', content: 'x' } });
    expect(sim.chat.listApps()).toEqual([{ corpId: CORP, agentId: AGENT, callbackUrl: r.url }]);
  });
});

describe('POST /_sim/chat/send and the transcript', () => {
  it('sends signed, encrypted text callbacks and merges them with what the app sent to that user', async () => {
    const r = await gateway();
    await registerAndVerify(r.url);

    const sent = await call('POST', '/_sim/chat/send', { corpId: CORP, agentId: AGENT, userId: 'zhangsan', displayName: '张三', text: '怎么退货？ <b>x</b> 00123' });
    expect(sent.status).toBe(200);
    expect(sent.json['entry']).toMatchObject({ from: 'user', kind: 'text', text: '怎么退货？ <b>x</b> 00123', displayName: '张三', delivery: { status: 200 } });
    const posts = r.requests.filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    const xml = openCallback(posts[0]);
    expect(readXmlElement(xml, 'FromUserName')).toBe('zhangsan');
    expect(readXmlElement(xml, 'ToUserName')).toBe(CORP);
    expect(readXmlElement(xml, 'MsgType')).toBe('text');
    // User text survives byte-for-byte.
    expect(readXmlElement(xml, 'Content')).toBe('怎么退货？ <b>x</b> 00123');
    expect(readXmlElement(xml, 'AgentID')).toBe(String(AGENT));

    const media = sim.wecom.addMedia(CORP, { bytes: PNG, contentType: 'image/png', fileName: 'a.png' });
    await appSends({ touser: 'zhangsan', msgtype: 'text', text: { content: '请看 https://example.com/return' } });
    await appSends({ touser: 'lisi', msgtype: 'text', text: { content: 'for someone else' } });
    await appSends({ touser: 'wangwu|zhangsan', msgtype: 'markdown', markdown: { content: '**退货**流程' } });
    await appSends({ touser: 'zhangsan', msgtype: 'image', image: { media_id: media } });
    await appSends({
      touser: 'zhangsan',
      msgtype: 'news',
      news: { articles: [{ title: '退货说明', description: '七天无理由', url: 'https://example.com/a', picurl: 'https://example.com/p.png' }] },
    });
    await appSends({ touser: 'zhangsan', msgtype: 'file', file: { media_id: media } });

    const entries = await transcript('zhangsan');
    expect(entries.map((e) => [e.from, e.kind, e.msgtype])).toEqual([
      ['user', 'text', 'text'],
      ['app', 'text', 'text'],
      ['app', 'markdown', 'markdown'],
      ['app', 'image', 'image'],
      ['app', 'news', 'news'],
      ['app', 'other', 'file'],
    ]);
    expect(entries[1].text).toBe('请看 https://example.com/return');
    expect(entries[2].text).toBe('**退货**流程');
    expect(entries[3].mediaId).toBe(media);
    expect(entries[4].articles).toEqual([{ title: '退货说明', description: '七天无理由', url: 'https://example.com/a', picUrl: 'https://example.com/p.png' }]);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    // Other users' chats are separate.
    expect((await transcript('lisi')).map((e) => e.text)).toEqual(['for someone else']);

    const img = await fetch(`${sim.url}/_sim/chat/media?mediaId=${encodeURIComponent(media)}`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(img.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await img.arrayBuffer())).toEqual(PNG);
  });

  it('shows a passive reply the gateway answers the callback with', async () => {
    const r = await gateway((req) => {
      const inner = openCallback(req);
      const reply = `<xml><ToUserName><![CDATA[${readXmlElement(inner, 'FromUserName')}]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[被动回复]]></Content></xml>`;
      return { status: 200, body: wxReplyXml(wxEncryptReply(TOKEN, decodeEncodingAesKey(AES_KEY), CORP, reply, '1700000000', '123')) };
    });
    await registerAndVerify(r.url);
    const sent = await call('POST', '/_sim/chat/send', { corpId: CORP, agentId: AGENT, userId: 'u1', text: 'hi' });
    expect(sent.json['passiveReply']).toMatchObject({ from: 'app', kind: 'text', text: '被动回复' });
    expect((await transcript('u1')).map((e) => [e.from, e.text])).toEqual([
      ['user', 'hi'],
      ['app', '被动回复'],
    ]);
  });

  it('keeps the message and reports how the gateway failed when it does not accept the callback', async () => {
    const r = await gateway(() => ({ status: 403, body: 'forbidden' }));
    await registerAndVerify(r.url);
    const sent = await call('POST', '/_sim/chat/send', { corpId: CORP, agentId: AGENT, userId: 'u2', text: 'anyone?' });
    expect(sent.status).toBe(200);
    expect((sent.json['entry'] as ChatEntry).delivery).toMatchObject({ status: 403 });

    await r.close();
    receiver = undefined;
    const down = await call('POST', '/_sim/chat/send', { corpId: CORP, agentId: AGENT, userId: 'u2', text: 'hello?' });
    expect((down.json['entry'] as ChatEntry).delivery).toMatchObject({ status: 0, error: expect.any(String) });
    expect((await transcript('u2')).map((e) => [e.text, e.delivery?.status])).toEqual([
      ['anyone?', 403],
      ['hello?', 0],
    ]);
  });
});

describe('chat routes: bad input', () => {
  beforeEach(async () => {
    await call('POST', '/_sim/wecom/apps', { corpId: CORP, agentId: AGENT, secret: 'sec', token: TOKEN, encodingAesKey: AES_KEY });
  });

  const ok = { corpId: CORP, agentId: AGENT, userId: 'u', text: 'x' };
  it.each([
    ['POST', '/_sim/chat/send', ok, 409, 'no_callback_url'],
    ['POST', '/_sim/chat/send', { ...ok, corpId: 'nope' }, 404, 'unknown_app'],
    ['POST', '/_sim/chat/send', { ...ok, agentId: 7 }, 404, 'unknown_app'],
    ['POST', '/_sim/chat/send', { ...ok, userId: 'has space' }, 400, 'bad_request'],
    ['POST', '/_sim/chat/send', { ...ok, userId: 'x'.repeat(65) }, 400, 'bad_request'],
    ['POST', '/_sim/chat/send', { ...ok, text: '   ' }, 400, 'bad_request'],
    ['POST', '/_sim/chat/send', { ...ok, text: '字'.repeat(2001) }, 400, 'bad_request'],
    ['POST', '/_sim/chat/send', { ...ok, text: 5 }, 400, 'bad_request'],
    ['POST', '/_sim/chat/send', { ...ok, displayName: 'n'.repeat(65) }, 400, 'bad_request'],
    ['POST', '/_sim/chat/send', '{', 400, 'invalid_json'],
    ['PUT', '/_sim/chat/apps', { corpId: CORP, agentId: AGENT, callbackUrl: 'javascript:alert(1)' }, 400, 'bad_request'],
    ['PUT', '/_sim/chat/apps', { corpId: 'nope', agentId: AGENT, callbackUrl: 'http://127.0.0.1:9/' }, 404, 'unknown_app'],
    ['GET', '/_sim/chat/conversation?corpId=wwchat&agentId=1000002', undefined, 400, 'bad_request'],
    ['GET', '/_sim/chat/conversation?corpId=wwchat&agentId=x&userId=u', undefined, 400, 'bad_request'],
    ['GET', '/_sim/chat/media?mediaId=nope', undefined, 404, 'not_found'],
    ['DELETE', '/_sim/chat/apps', undefined, 405, 'method_not_allowed'],
  ])('%s %s %j → %i %s', async (method, path, body, status, error) => {
    const res = await call(method, path, body);
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ error, message: expect.any(String) });
  });

  it('does not serve non-image media through the chat page', async () => {
    const id = sim.wecom.addMedia(CORP, { bytes: '<script>alert(1)</script>', contentType: 'text/html', fileName: 'x.html' });
    expect((await call('GET', `/_sim/chat/media?mediaId=${encodeURIComponent(id)}`)).status).toBe(404);
  });

  it('answers an unknown app or user with an empty transcript', async () => {
    expect(await transcript('nobody')).toEqual([]);
    expect((await call('GET', '/_sim/chat/conversation?corpId=none&agentId=1&userId=u')).json).toEqual({ entries: [] });
  });
});
