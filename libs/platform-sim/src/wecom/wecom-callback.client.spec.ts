import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeEncodingAesKey, wxDecryptFor, wxEncryptReply, wxReplyXml, wxSignature } from '@imbridge/crypto';
import { XMLParser } from 'fast-xml-parser';
import { startPlatformSim, type PlatformSim } from '../platform-sim';
import { startCallbackReceiver, type CallbackReceiver, type ReceivedRequest } from '../testing/callback-receiver.testing';
import type { WecomApp } from './wecom-sim.types';

const CORP = 'wwcorp00123';
const AGENT = 1000005;
// WeCom's official sample settings (wecom-mp.md §1 vector A).
const TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

let sim: PlatformSim;
let app: WecomApp;
let receiver: CallbackReceiver | undefined;

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  app = sim.wecom.addApp({ corpId: CORP, agentId: AGENT, secret: 's', token: TOKEN, encodingAesKey: AES_KEY });
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const parser = new XMLParser({ parseTagValue: false, trimValues: false });
type XmlFields = Record<string, string>;

/** What the gateway does: check msg_signature over the Encrypt element, decrypt with receiveId = corpid. */
function openPush(req: ReceivedRequest, token = TOKEN, key = AES_KEY, receiveId = CORP): { outer: XmlFields; innerXml: string; inner: XmlFields } {
  const outer = (parser.parse(req.body) as { xml: XmlFields }).xml;
  const timestamp = req.query.get('timestamp') ?? '';
  const nonce = req.query.get('nonce') ?? '';
  if (wxSignature(token, timestamp, nonce, outer['Encrypt']) !== req.query.get('msg_signature')) throw new Error('bad signature');
  const innerXml = wxDecryptFor(decodeEncodingAesKey(key), outer['Encrypt'], receiveId).toString('utf8');
  return { outer, innerXml, inner: (parser.parse(innerXml) as { xml: XmlFields }).xml };
}

/** A receiver that verifies + decrypts every push and answers 200 with an empty body. */
async function verifyingReceiver(): Promise<CallbackReceiver & { opened: Array<ReturnType<typeof openPush>> }> {
  const opened: Array<ReturnType<typeof openPush>> = [];
  const r = await startCallbackReceiver((req) => {
    opened.push(openPush(req));
    return { status: 200, body: '' };
  });
  return Object.assign(r, { opened });
}

describe('push', () => {
  it('builds the exact inner XML, envelope and signed query WeCom sends', async () => {
    const r = await verifyingReceiver();
    receiver = r;
    const result = await sim.wecom.client.push(r.url, CORP, { type: 'text', fromUser: 'zhangsan', content: 'hello', msgId: '1234567890123456', createTime: 1700000000 });
    const expectedInner =
      '<xml><ToUserName><![CDATA[wwcorp00123]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>' +
      '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>' +
      '<MsgId>1234567890123456</MsgId><AgentID>1000005</AgentID></xml>';
    expect(result.innerXml).toBe(expectedInner);
    expect(result.msgId).toBe('1234567890123456');
    expect(result.responses).toEqual([{ status: 200, body: '', durationMs: expect.any(Number) }]);

    const [req] = r.requests;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('text/xml');
    expect([...req.query.keys()]).toEqual(['msg_signature', 'timestamp', 'nonce']);
    expect(req.query.get('timestamp')).toMatch(/^\d{10}$/);
    expect(req.query.get('nonce')).toMatch(/^\d+$/);
    expect(req.body).toMatch(/^<xml><ToUserName><!\[CDATA\[wwcorp00123\]\]><\/ToUserName><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><AgentID><!\[CDATA\[1000005\]\]><\/AgentID><\/xml>$/);
    expect(r.opened[0].innerXml).toBe(expectedInner);
  });

  it('keeps UTF-8, emoji, leading zeros and ]]> intact', async () => {
    const r = await verifyingReceiver();
    receiver = r;
    const content = '你好，世界 😀👍🏽 00123 a]]>b <tag> & ]]>';
    const result = await sim.wecom.client.push(r.url, CORP, { type: 'text', fromUser: '00123', content });
    const { inner } = r.opened[0];
    expect(inner['Content']).toBe(content);
    expect(inner['FromUserName']).toBe('00123');
    expect(inner['MsgId']).toBe(result.msgId);
    expect(result.msgId).toMatch(/^[1-9]\d{15,}$/);
    expect(inner['CreateTime']).toMatch(/^\d{10}$/);
    expect(inner['AgentID']).toBe(String(AGENT));
  });

  it.each([
    ['image', { type: 'image', fromUser: 'u', mediaId: 'MID', picUrl: 'https://p/x.jpg' }, { MsgType: 'image', PicUrl: 'https://p/x.jpg', MediaId: 'MID' }],
    ['voice', { type: 'voice', fromUser: 'u', mediaId: 'VID', format: 'amr' }, { MsgType: 'voice', MediaId: 'VID', Format: 'amr' }],
    ['video', { type: 'video', fromUser: 'u', mediaId: 'V', thumbMediaId: 'T' }, { MsgType: 'video', MediaId: 'V', ThumbMediaId: 'T' }],
    [
      'location',
      { type: 'location', fromUser: 'u', x: '23.134521', y: 113.358803, scale: 20, label: '广州 ]]> 塔' },
      { MsgType: 'location', Location_X: '23.134521', Location_Y: '113.358803', Scale: '20', Label: '广州 ]]> 塔', AppType: 'wxwork' },
    ],
    [
      'link',
      { type: 'link', fromUser: 'u', title: 'T', description: 'D', url: 'https://x/?a=1&b=2', picUrl: 'https://x/p.png' },
      { MsgType: 'link', Title: 'T', Description: 'D', Url: 'https://x/?a=1&b=2', PicUrl: 'https://x/p.png' },
    ],
  ] as const)('pushes %s with the right fields', async (_type, message, fields) => {
    const r = await verifyingReceiver();
    receiver = r;
    await sim.wecom.client.push(r.url, CORP, message);
    const { inner } = r.opened[0];
    expect(inner).toMatchObject({ ToUserName: CORP, FromUserName: 'u', AgentID: String(AGENT), ...fields });
    expect(inner['MsgId']).toMatch(/^\d{16,}$/);
  });

  it('pushes events without MsgId; dedup key is FromUserName + CreateTime', async () => {
    const r = await verifyingReceiver();
    receiver = r;
    const enter = await sim.wecom.client.push(r.url, CORP, { type: 'event', fromUser: 'lisi', event: 'enter_agent', createTime: 1700000001 });
    await sim.wecom.client.push(r.url, CORP, { type: 'event', fromUser: 'lisi', event: 'subscribe' });
    await sim.wecom.client.push(r.url, CORP, { type: 'event', fromUser: 'lisi', event: 'click', eventKey: 'MENU_1' });
    await sim.wecom.client.push(r.url, CORP, { type: 'event', fromUser: 'lisi', event: 'view', eventKey: 'https://example.com/' });
    expect(enter.msgId).toBeUndefined();
    expect(enter.dedupKey).toBe('lisi1700000001');
    expect(enter.innerXml).toBe(
      '<xml><ToUserName><![CDATA[wwcorp00123]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1700000001</CreateTime>' +
        '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1000005</AgentID></xml>',
    );
    const inners = r.opened.map((o) => o.inner);
    expect(inners.map((i) => [i['Event'], i['EventKey'], i['MsgId']])).toEqual([
      ['enter_agent', '', undefined],
      ['subscribe', undefined, undefined],
      ['click', 'MENU_1', undefined],
      ['view', 'https://example.com/', undefined],
    ]);
  });

  it('deliveries: 3 sends three identical requests', async () => {
    const r = await verifyingReceiver();
    receiver = r;
    const result = await sim.wecom.client.push(r.url, CORP, { type: 'text', fromUser: 'u', content: 'dup' }, { deliveries: 3 });
    expect(result.responses.map((x) => x.status)).toEqual([200, 200, 200]);
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => q.rawUrl)).size).toBe(1);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    expect(new Set(r.opened.map((o) => o.inner['MsgId']))).toEqual(new Set([result.msgId]));
  });

  it('honours timestamp/nonce options, keeps the callback URL query, and reports non-200 answers', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 503, body: 'busy' }), '/cb?tenant=t1');
    const result = await sim.wecom.client.push(receiver.url, CORP, { type: 'text', fromUser: 'u', content: 'x' }, { timestamp: '1409659813', nonce: '1372623149' });
    expect(result.responses).toEqual([{ status: 503, body: 'busy', durationMs: expect.any(Number) }]);
    const [req] = receiver.requests;
    expect(req.rawUrl).toMatch(/^\/cb\?tenant=t1&msg_signature=[0-9a-f]{40}&timestamp=1409659813&nonce=1372623149$/);
    expect(() => openPush(req)).not.toThrow();
  });

  it('reports connection failures as status 0 instead of throwing', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await sim.wecom.client.push(`http://127.0.0.1:${port}/cb`, CORP, { type: 'text', fromUser: 'u', content: 'x' });
    expect(result.responses[0]).toMatchObject({ status: 0, body: '', error: 'ECONNREFUSED' });
  });

  it('refuses unknown corps and bad delivery counts', async () => {
    await expect(sim.wecom.client.push('http://127.0.0.1:9/cb', 'nope', { type: 'text', fromUser: 'u', content: 'x' })).rejects.toThrow(/unknown corpId/);
    await expect(sim.wecom.client.push('http://127.0.0.1:9/cb', CORP, { type: 'text', fromUser: 'u', content: 'x' }, { deliveries: 0 })).rejects.toThrow(/deliveries/);
  });
});

describe('pushWithRetries', () => {
  it('re-delivers the identical request when the receiver is slow and stops after a 200', async () => {
    receiver = await startCallbackReceiver((_req, i) => (i === 0 ? { status: 200, delayMs: 1000 } : { status: 200, body: '' }));
    const result = await sim.wecom.client.pushWithRetries(receiver.url, CORP, { type: 'text', fromUser: 'u', content: 'slow' }, { timeoutMs: 250 });
    expect(result.acknowledged).toBe(true);
    expect(result.responses).toHaveLength(2);
    expect(result.responses[0]).toMatchObject({ status: 0, error: 'timeout after 250 ms' });
    expect(result.responses[0].durationMs).toBeGreaterThanOrEqual(240);
    expect(result.responses[1].status).toBe(200);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1].rawUrl).toBe(receiver.requests[0].rawUrl);
    expect(receiver.requests[1].body).toBe(receiver.requests[0].body);
  });

  it('re-delivers after non-200 answers, at most maxDeliveries times', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 500, body: 'err' }));
    const result = await sim.wecom.client.pushWithRetries(receiver.url, CORP, { type: 'text', fromUser: 'u', content: 'x' }, { timeoutMs: 200 });
    expect(result.acknowledged).toBe(false);
    expect(result.responses.map((x) => x.status)).toEqual([500, 500, 500]);
    expect(receiver.requests).toHaveLength(3);
  });

  it('delivers once when the first answer is a 200', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }));
    const result = await sim.wecom.client.pushWithRetries(receiver.url, CORP, { type: 'event', fromUser: 'u', event: 'subscribe' }, { timeoutMs: 200, maxDeliveries: 5 });
    expect(result).toMatchObject({ acknowledged: true, responses: [{ status: 200, body: 'success' }] });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('verifyUrl', () => {
  it("sends an encrypted numeric echostr whose plaintext is 'expected'", async () => {
    receiver = await startCallbackReceiver((req) => {
      const echostr = req.query.get('echostr') ?? '';
      const ok = wxSignature(TOKEN, req.query.get('timestamp') ?? '', req.query.get('nonce') ?? '', echostr) === req.query.get('msg_signature');
      if (!ok) return { status: 403, body: 'bad signature' };
      return { status: 200, body: wxDecryptFor(decodeEncodingAesKey(AES_KEY), echostr, CORP).toString('utf8') };
    });
    const result = await sim.wecom.client.verifyUrl(receiver.url, CORP);
    expect(result.expected).toMatch(/^[1-9]\d{18}$/);
    expect(result).toMatchObject({ status: 200, body: result.expected });
    const [req] = receiver.requests;
    expect(req.method).toBe('GET');
    const rawQuery = req.rawUrl.slice(req.rawUrl.indexOf('?') + 1);
    const rawEchostr = /(?:^|&)echostr=([^&]*)/.exec(rawQuery)?.[1] ?? '';
    expect(rawEchostr).not.toMatch(/[+/=]/);
    expect(decodeURIComponent(rawEchostr)).toBe(req.query.get('echostr'));
  });

  it('percent-encodes + and / in echostr (official vector A1 settings)', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: '' }));
    // Try until the random ciphertext contains both characters (almost always at once).
    let raw = '';
    for (let i = 0; i < 20 && !(raw.includes('%2B') && raw.includes('%2F')); i++) {
      await sim.wecom.client.verifyUrl(receiver.url, CORP, { echoPlain: '1616140317555161061' });
      const last = receiver.requests[receiver.requests.length - 1].rawUrl;
      raw = /echostr=([^&]*)/.exec(last)?.[1] ?? '';
    }
    expect(raw).toContain('%2B');
    expect(raw).toContain('%2F');
    expect(raw).toMatch(/^[A-Za-z0-9%]+$/);
  });
});

describe('buildEncryptedPost', () => {
  const inner = '<xml><ToUserName><![CDATA[wwcorp00123]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>';
  const asRequest = (post: { query: Record<string, string>; body: string; url(u: string): string }): ReceivedRequest => {
    const rawUrl = post.url('http://gw.invalid/cb').replace('http://gw.invalid', '');
    return { method: 'POST', rawUrl, query: new URL(rawUrl, 'http://x.invalid').searchParams, headers: {}, body: post.body };
  };

  it('builds a valid request by default', () => {
    const post = sim.wecom.client.buildEncryptedPost(CORP, inner, { timestamp: '1409659813', nonce: '42' });
    expect(post.query).toEqual({ msg_signature: expect.stringMatching(/^[0-9a-f]{40}$/), timestamp: '1409659813', nonce: '42' });
    expect(openPush(asRequest(post)).innerXml).toBe(inner);
  });

  it('builds hostile variants the gateway must refuse', () => {
    const wrongToken = asRequest(sim.wecom.client.buildEncryptedPost(CORP, inner, { token: 'not-the-token' }));
    expect(() => openPush(wrongToken)).toThrow('bad signature');
    expect(() => openPush(wrongToken, 'not-the-token')).not.toThrow();

    const otherKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const wrongKey = asRequest(sim.wecom.client.buildEncryptedPost(CORP, inner, { encodingAesKey: otherKey }));
    expect(() => openPush(wrongKey)).toThrow();
    expect(openPush(wrongKey, TOKEN, otherKey).innerXml).toBe(inner);

    const wrongReceiver = asRequest(sim.wecom.client.buildEncryptedPost(CORP, inner, { receiveId: 'wwsomeoneelse' }));
    expect(() => openPush(wrongReceiver)).toThrow(/receiveId/);

    const replayed = sim.wecom.client.buildEncryptedPost(CORP, inner, { timestamp: '1000000000' });
    expect(replayed.query['timestamp']).toBe('1000000000');
    expect(() => openPush(asRequest(replayed))).not.toThrow();
  });

  it('works for unregistered corps when token and key are given', () => {
    expect(() => sim.wecom.client.buildEncryptedPost('ghost', inner)).toThrow(/unknown corpId/);
    const post = sim.wecom.client.buildEncryptedPost('ghost', inner, { token: TOKEN, encodingAesKey: AES_KEY });
    expect(post.body).toContain('<AgentID><![CDATA[]]></AgentID>');
  });
});

describe('decryptPassiveReply', () => {
  it('opens a reply encrypted with the app settings and refuses a tampered one', () => {
    const replyXml = '<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[wwcorp00123]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>';
    const envelope = wxReplyXml(wxEncryptReply(app.token, decodeEncodingAesKey(app.encodingAesKey), CORP, replyXml, '1409659813', '1372623149'));
    expect(sim.wecom.client.decryptPassiveReply(CORP, envelope)).toEqual({ xml: replyXml, timestamp: '1409659813', nonce: '1372623149' });
    expect(() => sim.wecom.client.decryptPassiveReply(CORP, envelope.replace('1409659813', '1409659814'))).toThrow(/MsgSignature/);
    expect(() => sim.wecom.client.decryptPassiveReply(CORP, '')).toThrow(/envelope/);
  });
});
