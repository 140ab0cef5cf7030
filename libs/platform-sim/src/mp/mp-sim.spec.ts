import { decodeEncodingAesKey, wxDecryptFor, wxEncryptReply, wxPlainSignature, wxReplyXml, wxSignature } from '@imbridge/crypto';
import { readXmlElement } from '../core/xml.util';
import { startPlatformSim, type PlatformSim } from '../platform-sim';
import { startCallbackReceiver, type CallbackReceiver, type ReceivedRequest, type ReceiverAnswer } from '../testing/callback-receiver.testing';
import { MP_SERVICE_UNAVAILABLE_TEXT, parsePassiveReply } from './mp-callback.client';
import type { MpAccount, MpCallbackRecord } from './mp-sim.types';

// MP official sample (wecom-mp.md §1 vectors C): key, appid, token.
const APP = 'wxb11529c136998cb6';
const SECRET = 'mp-secret';
const TOKEN = 'pamtest';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const GH = 'gh_7f083739789a';
const USER = 'oUser_0001';

let sim: PlatformSim;
let receiver: CallbackReceiver | undefined;

type Json = Record<string, unknown>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

async function addAccount(extra: Json = {}): Promise<MpAccount> {
  const r = await call('POST', '/_sim/mp/accounts', {
    appId: APP,
    appSecret: SECRET,
    token: TOKEN,
    encodingAesKey: AES_KEY,
    originalId: GH,
    mode: 'plain',
    accountType: 'service',
    verified: true,
    ...extra,
  });
  expect(r.status).toBe(201);
  return r.json['account'] as MpAccount;
}

async function token(): Promise<string> {
  const r = await call('GET', `/cgi-bin/token?grant_type=client_credential&appid=${APP}&secret=${SECRET}`);
  return r.json['access_token'] as string;
}

const api = (path: string, accessToken: string, body?: unknown): Promise<{ status: number; json: Json }> =>
  call(body === undefined ? 'GET' : 'POST', `/cgi-bin/${path}?access_token=${encodeURIComponent(accessToken)}`, body);

async function listen(answer: (req: ReceivedRequest, index: number) => ReceiverAnswer | Promise<ReceiverAnswer>): Promise<string> {
  receiver = await startCallbackReceiver(answer, '/callback/mp');
  return receiver.url;
}

async function userMessage(message: Json, openId = USER): Promise<MpCallbackRecord> {
  const r = await call('POST', '/_sim/mp/user-message', { appId: APP, openId, message });
  expect(r.status).toBe(200);
  return r.json['callback'] as MpCallbackRecord;
}

function textReply(to: string, content: string): string {
  return `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[${GH}]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content></xml>`;
}

async function transcript(openId = USER): Promise<Json[]> {
  return (await call('GET', `/_sim/mp/transcript?appId=${APP}&openId=${openId}`)).json['transcript'] as Json[];
}

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('accounts', () => {
  it('adds and lists accounts, and validates input', async () => {
    const account = await addAccount();
    expect(account).toMatchObject({ appId: APP, mode: 'plain', accountType: 'service', verified: true, originalId: GH });
    expect((await call('GET', '/_sim/mp/accounts')).json['accounts']).toEqual([account]);
    expect((await call('POST', '/_sim/mp/accounts', { appId: 'wx2', appSecret: 's', token: 'tok', mode: 'safe' })).status).toBe(400);
    expect((await call('POST', '/_sim/mp/accounts', { appId: 'wx2', appSecret: 's', token: 'tok', mode: 'weird' })).status).toBe(400);
    const derived = sim.mp.addAccount({ appId: 'wx3', appSecret: 's', token: 'tok' });
    expect(derived).toMatchObject({ mode: 'plain', accountType: 'service', verified: false });
    expect(derived.originalId).toMatch(/^gh_[0-9a-f]{12}$/);
  });
});

describe('access tokens', () => {
  it('issues /cgi-bin/token without errcode; a re-fetch keeps the old token 5 more minutes; expiry after 7200 s', async () => {
    await addAccount();
    const first = await call('GET', `/cgi-bin/token?grant_type=client_credential&appid=${APP}&secret=${SECRET}`);
    expect(first.json).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    const a = first.json['access_token'] as string;
    const b = await token();
    expect(b).not.toBe(a);
    expect((await api('menu/delete', a)).json['errcode']).toBe(0);
    sim.mp.advanceClock(299);
    expect((await api('menu/delete', a)).json['errcode']).toBe(0);
    sim.mp.advanceClock(2);
    expect((await api('menu/delete', a)).json['errcode']).toBe(40001);
    expect((await api('menu/delete', b)).json['errcode']).toBe(0);
    await call('POST', '/_sim/mp/clock', { advanceSeconds: 7200 });
    const expired = await api('menu/delete', b);
    expect(expired.json['errcode']).toBe(42001);
    expect(expired.json['errmsg']).toMatch(/^access_token expired rid: [0-9a-f-]+$/);
    expect((await call('POST', '/cgi-bin/menu/delete')).status).toBe(405);
    expect((await call('GET', '/cgi-bin/menu/delete')).json['errcode']).toBe(41001);
  });

  it('rejects bad credentials: 40125 secret, 40013 appid, 40002 grant_type, 41002/41004 missing', async () => {
    await addAccount();
    const get = async (qs: string): Promise<unknown> => (await call('GET', `/cgi-bin/token?${qs}`)).json['errcode'];
    expect(await get(`grant_type=client_credential&appid=${APP}&secret=wrong`)).toBe(40125);
    expect(await get(`grant_type=client_credential&appid=wxnope&secret=${SECRET}`)).toBe(40013);
    expect(await get(`grant_type=password&appid=${APP}&secret=${SECRET}`)).toBe(40002);
    expect(await get(`grant_type=client_credential&secret=${SECRET}`)).toBe(41002);
    expect(await get(`grant_type=client_credential&appid=${APP}`)).toBe(41004);
    expect((await call('POST', '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APP, secret: 'x' })).json['errcode']).toBe(40125);
  });

  it('answers 40164 naming the caller IP when the whitelist fault is on', async () => {
    await addAccount();
    const t = await token();
    await call('POST', '/_sim/mp/ip-whitelist', { appId: APP, ip: '1.2.3.4' });
    const r = await call('GET', `/cgi-bin/token?grant_type=client_credential&appid=${APP}&secret=${SECRET}`);
    expect(r.json['errcode']).toBe(40164);
    expect(r.json['errmsg']).toMatch(/^invalid ip 1\.2\.3\.4 ipv6 ::ffff:1\.2\.3\.4, not in whitelist rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect((await api('menu/delete', t)).json['errcode']).toBe(40164);
    await call('POST', '/_sim/mp/ip-whitelist', { appId: APP });
    expect((await call('GET', `/cgi-bin/token?grant_type=client_credential&appid=${APP}&secret=${SECRET}`)).json['errmsg']).toMatch(/invalid ip 127\.0\.0\.1 ipv6 ::ffff:127\.0\.0\.1,/);
    await call('POST', '/_sim/mp/ip-whitelist', { appId: APP, block: false });
    expect((await api('menu/delete', t)).json['errcode']).toBe(0);
  });

  it('stable_token: same token while valid, rotated in the last 5 minutes, force_refresh invalidates the previous one', async () => {
    await addAccount();
    const stable = async (force?: boolean): Promise<Json> =>
      (await call('POST', '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APP, secret: SECRET, ...(force === undefined ? {} : { force_refresh: force }) })).json;
    const s1 = await stable();
    expect(s1['expires_in']).toBe(7200);
    expect(s1).not.toHaveProperty('errcode');
    sim.mp.advanceClock(1000);
    const again = await stable(false);
    expect(again['access_token']).toBe(s1['access_token']);
    expect(again['expires_in']).toBe(6200);
    // Isolated from /cgi-bin/token: fetching a basic token changes nothing.
    await token();
    expect((await stable())['access_token']).toBe(s1['access_token']);
    // Within the last 5 minutes a normal call rotates; the old token lives out its time.
    sim.mp.advanceClock(6000);
    const s2 = await stable();
    expect(s2['access_token']).not.toBe(s1['access_token']);
    expect(s2['expires_in']).toBe(7200);
    expect((await api('menu/delete', s1['access_token'] as string)).json['errcode']).toBe(0);
    sim.mp.advanceClock(200);
    expect((await api('menu/delete', s1['access_token'] as string)).json['errcode']).toBe(42001);
    // force_refresh: new token, previous one invalid at once; within 30 s the same token again.
    const s3 = await stable(true);
    expect(s3['access_token']).not.toBe(s2['access_token']);
    expect((await api('menu/delete', s2['access_token'] as string)).json['errcode']).toBe(40001);
    expect((await api('menu/delete', s3['access_token'] as string)).json['errcode']).toBe(0);
    expect((await stable(true))['access_token']).toBe(s3['access_token']);
    sim.mp.advanceClock(31);
    expect((await stable(true))['access_token']).not.toBe(s3['access_token']);
  });

  it('applies fault scripts per API and records calls', async () => {
    await addAccount();
    await call('POST', '/_sim/mp/faults', { api: 'token', fromCall: 2, count: 1, errcode: -1 });
    expect(await token()).toEqual(expect.any(String));
    const faulted = await call('GET', `/cgi-bin/token?grant_type=client_credential&appid=${APP}&secret=${SECRET}`);
    expect(faulted.json).toEqual({ errcode: -1, errmsg: expect.stringMatching(/^system error rid: /) });
    expect(await token()).toEqual(expect.any(String));
    sim.mp.script({ api: 'menu/get', fromCall: 1, httpStatus: 503 });
    expect((await fetch(`${sim.url}/cgi-bin/menu/get?access_token=x`)).status).toBe(503);
    const calls = (await call('GET', '/_sim/mp/calls?api=token')).json['calls'] as Json[];
    expect(calls.map((c) => [c['callNumber'], c['errcode'], c['faulted'], c['tenant']])).toEqual([
      [1, 0, false, APP],
      [2, -1, true, undefined],
      [3, 0, false, APP],
    ]);
    expect((await call('DELETE', '/_sim/mp/faults')).json['faults']).toEqual([]);
  });
});

describe('customer-service messages', () => {
  const text = (content: string, touser = USER): Json => ({ touser, msgtype: 'text', text: { content } });

  it('allows 5 messages per user message within 48 h, then 45047; after 48 h 45015; records deliveries and transcript', async () => {
    await addAccount({ callbackUrl: await listen(() => ({ status: 200, body: 'success' })) });
    const t = await token();
    expect((await api('message/custom/send', t, text('hi'))).json['errcode']).toBe(40003);
    await userMessage({ type: 'text', content: '你好' });
    for (let i = 1; i <= 5; i++) expect((await api('message/custom/send', t, text(`m${i}`))).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await api('message/custom/send', t, text('m6'))).json['errcode']).toBe(45047);
    await userMessage({ type: 'text', content: 'again' });
    expect((await api('message/custom/send', t, text('m7'))).json['errcode']).toBe(0);
    sim.mp.advanceClock(48 * 3600);
    const late = await api('message/custom/send', await token(), text('late'));
    expect(late.json['errcode']).toBe(45015);
    expect(late.json['errmsg']).toMatch(/^response out of time limit or subscription is canceled/);
    const delivered = (await call('GET', `/_sim/mp/delivered?appId=${APP}&openId=${USER}`)).json['messages'] as Json[];
    expect(delivered.map((m) => (m['body'] as { text: { content: string } }).text.content)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm7']);
    expect(delivered[0]['trigger']).toBe('message');
    const lines = await transcript();
    expect(lines.map((l) => [l['from'], l['via'] ?? null, l['text']])).toEqual([
      ['user', null, '你好'],
      ['account', 'custom', 'm1'],
      ['account', 'custom', 'm2'],
      ['account', 'custom', 'm3'],
      ['account', 'custom', 'm4'],
      ['account', 'custom', 'm5'],
      ['user', null, 'again'],
      ['account', 'custom', 'm7'],
    ]);
  });

  it('gives fewer, shorter grants after events; counts are settings; unsubscribe closes the window', async () => {
    await addAccount({ callbackUrl: await listen(() => ({ status: 200, body: '' })) });
    const t = await token();
    await userMessage({ type: 'event', event: 'subscribe' });
    for (let i = 0; i < 3; i++) expect((await api('message/custom/send', t, text(`w${i}`))).json['errcode']).toBe(0);
    expect((await api('message/custom/send', t, text('w4'))).json['errcode']).toBe(45047);
    sim.mp.advanceClock(61);
    expect((await api('message/custom/send', t, text('w5'))).json['errcode']).toBe(45015);
    const settings = await call('POST', '/_sim/mp/settings', { quota: { click: { count: 1 }, message: { count: null } } });
    expect((settings.json['settings'] as { quota: Json }).quota['click']).toEqual({ count: 1, windowSeconds: 60 });
    await userMessage({ type: 'event', event: 'CLICK', eventKey: 'V1001_GOOD' });
    expect((await api('message/custom/send', t, text('c1'))).json['errcode']).toBe(0);
    expect((await api('message/custom/send', t, text('c2'))).json['errcode']).toBe(45047);
    await userMessage({ type: 'text', content: 'unlimited now' });
    for (let i = 0; i < 8; i++) expect((await api('message/custom/send', t, text(`u${i}`))).json['errcode']).toBe(0);
    await userMessage({ type: 'event', event: 'unsubscribe' });
    expect((await api('message/custom/send', t, text('gone'))).json['errcode']).toBe(45015);
    expect((await call('POST', '/_sim/mp/settings', { quota: { payment: { count: 1 } } })).status).toBe(400);
  });

  it('needs a service or verified account (48001) and a valid body', async () => {
    await addAccount({ accountType: 'subscription', verified: false, callbackUrl: await listen(() => ({ status: 200, body: '' })) });
    let t = await token();
    await userMessage({ type: 'text', content: 'hi' });
    expect((await api('message/custom/send', t, text('x'))).json['errcode']).toBe(48001);
    await addAccount({ accountType: 'subscription', verified: true, callbackUrl: receiver?.url });
    t = await token();
    expect((await api('message/custom/send', t, text('x'))).json['errcode']).toBe(0);
    expect((await api('message/custom/send', t, { touser: USER, msgtype: 'sticker', sticker: {} })).json['errcode']).toBe(40008);
    expect((await api('message/custom/send', t, { touser: USER, msgtype: 'image', image: {} })).json['errcode']).toBe(40035);
    const news = { touser: USER, msgtype: 'news', news: { articles: [{ title: '标题', url: 'https://example.com' }] } };
    expect((await api('message/custom/send', t, news)).json['errcode']).toBe(0);
    expect((await api('message/custom/send', t, { ...news, news: { articles: [{}, {}] } })).json['errcode']).toBe(40035);
    const raw = await fetch(`${sim.url}/cgi-bin/message/custom/send?access_token=${t}`, { method: 'POST', body: 'not json' });
    expect(((await raw.json()) as Json)['errcode']).toBe(47001);
    expect((await transcript()).at(-1)).toMatchObject({ from: 'account', via: 'custom', msgType: 'news', text: '[news 标题]' });
  });
});

describe('callbacks', () => {
  it('plain mode: signature + plain XML; a passive text reply reaches the transcript', async () => {
    await addAccount({ callbackUrl: await listen((req) => ({ status: 200, body: textReply(readXmlElement(req.body, 'FromUserName') ?? '', '收到') })) });
    const cb = await userMessage({ type: 'text', content: 'hello', msgId: '1234567890123456' });
    expect(cb).toMatchObject({ outcome: 'replied', msgId: '1234567890123456', dedupKey: '1234567890123456', mode: 'plain' });
    expect(cb.reply).toMatchObject({ msgType: 'text', content: '收到', encrypted: false });
    const req = receiver?.requests[0] as ReceivedRequest;
    const q = req.query;
    expect([...q.keys()]).toEqual(['signature', 'timestamp', 'nonce', 'openid']);
    expect(q.get('signature')).toBe(wxPlainSignature(TOKEN, q.get('timestamp') ?? '', q.get('nonce') ?? ''));
    expect(q.get('openid')).toBe(USER);
    expect(req.headers['content-type']).toBe('text/xml');
    expect(req.body).toMatch(/^<xml><ToUserName><!\[CDATA\[gh_7f083739789a\]\]><\/ToUserName><FromUserName><!\[CDATA\[oUser_0001\]\]><\/FromUserName><CreateTime>\d+<\/CreateTime><MsgType><!\[CDATA\[text\]\]><\/MsgType><Content><!\[CDATA\[hello\]\]><\/Content><MsgId>1234567890123456<\/MsgId><\/xml>$/);
    expect((await transcript()).map((l) => [l['from'], l['via'] ?? null, l['text']])).toEqual([
      ['user', null, 'hello'],
      ['account', 'passive', '收到'],
    ]);
    const all = (await call('GET', `/_sim/mp/callbacks?appId=${APP}`)).json['callbacks'] as Json[];
    expect(all).toHaveLength(1);
  });

  it('safe mode: encrypted body with msg_signature; an encrypted reply is checked and opened', async () => {
    const key = decodeEncodingAesKey(AES_KEY);
    await addAccount({
      mode: 'safe',
      callbackUrl: await listen((req) => {
        const q = req.query;
        const encrypt = readXmlElement(req.body, 'Encrypt') ?? '';
        expect(wxSignature(TOKEN, q.get('timestamp') ?? '', q.get('nonce') ?? '', encrypt)).toBe(q.get('msg_signature'));
        const inner = wxDecryptFor(key, encrypt, APP).toString('utf8');
        const reply = wxEncryptReply(TOKEN, key, APP, textReply(readXmlElement(inner, 'FromUserName') ?? '', `echo ${readXmlElement(inner, 'Content') ?? ''}`), '1700000001', q.get('nonce') ?? '');
        return { status: 200, body: wxReplyXml(reply) };
      }),
    });
    const cb = await userMessage({ type: 'text', content: '加密' });
    expect(cb.outcome).toBe('replied');
    expect(cb.reply).toMatchObject({ content: 'echo 加密', encrypted: true });
    const req = receiver?.requests[0] as ReceivedRequest;
    expect([...req.query.keys()]).toEqual(['signature', 'timestamp', 'nonce', 'openid', 'encrypt_type', 'msg_signature']);
    expect(req.query.get('encrypt_type')).toBe('aes');
    expect(req.query.get('signature')).toBe(wxPlainSignature(TOKEN, req.query.get('timestamp') ?? '', req.query.get('nonce') ?? ''));
    expect(req.body).toMatch(/^<xml><ToUserName><!\[CDATA\[gh_7f083739789a\]\]><\/ToUserName><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><\/xml>$/);
    expect(req.body).not.toContain('加密');
  });

  it('safe mode refuses a plaintext reply, and a reply with a bad signature; the user sees the service-unavailable text', async () => {
    let n = 0;
    await addAccount({
      mode: 'safe',
      callbackUrl: await listen((req) => {
        n++;
        if (n === 1) return { status: 200, body: textReply(USER, 'plain') };
        const reply = wxEncryptReply('otherToken', decodeEncodingAesKey(AES_KEY), APP, textReply(USER, 'x'), '1', req.query.get('nonce') ?? '');
        return { status: 200, body: wxReplyXml(reply) };
      }),
    });
    const first = await userMessage({ type: 'text', content: 'a' });
    expect(first.outcome).toBe('failed');
    expect(first.deliveries).toEqual([expect.objectContaining({ outcome: 'bad_reply', problem: 'plaintext reply in safe mode' })]);
    const second = await userMessage({ type: 'text', content: 'b' });
    expect(second.deliveries[0]).toMatchObject({ outcome: 'bad_reply', problem: 'MsgSignature does not match' });
    expect((await transcript()).filter((l) => l['from'] === 'system').map((l) => l['text'])).toEqual([MP_SERVICE_UNAVAILABLE_TEXT, MP_SERVICE_UNAVAILABLE_TEXT]);
  });

  it('compatible mode: the body carries the plain fields and Encrypt; a plain reply is accepted', async () => {
    await addAccount({ mode: 'compatible', callbackUrl: await listen(() => ({ status: 200, body: textReply(USER, 'ok') })) });
    const cb = await userMessage({ type: 'location', x: 23.134521, y: 113.358803, scale: 20, label: '位置信息' });
    expect(cb.outcome).toBe('replied');
    const body = receiver?.requests[0].body ?? '';
    expect(readXmlElement(body, 'Label')).toBe('位置信息');
    expect(readXmlElement(body, 'Location_X')).toBe('23.134521');
    const encrypt = readXmlElement(body, 'Encrypt') ?? '';
    expect(wxDecryptFor(decodeEncodingAesKey(AES_KEY), encrypt, APP).toString('utf8')).toBe(cb.innerXml);
    expect(body).toBe(cb.innerXml.replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`));
    expect(receiver?.requests[0].query.get('msg_signature')).toBe(wxSignature(TOKEN, receiver?.requests[0].query.get('timestamp') ?? '', receiver?.requests[0].query.get('nonce') ?? '', encrypt));
  });

  it('opens the official MP sample reply (vector C2: Encrypt + derived signature)', () => {
    const account: MpAccount = { appId: APP, appSecret: SECRET, token: TOKEN, encodingAesKey: AES_KEY, mode: 'safe', accountType: 'service', verified: true, originalId: GH };
    const encrypt =
      'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb';
    const envelope = (sig: string): string =>
      `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${sig}]]></MsgSignature><TimeStamp>1409304348</TimeStamp><Nonce><![CDATA[xxxxxx]]></Nonce></xml>`;
    const openId = 'oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw';
    const check = parsePassiveReply(account, openId, envelope('ea88b765074e41eb8c7a75b449db34fa2fd560d5'), false);
    expect(check).toEqual({ ok: true, reply: expect.objectContaining({ msgType: 'video', mediaId: 'eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0', encrypted: true }) });
    expect(parsePassiveReply(account, openId, envelope('0'.repeat(40)), false)).toEqual({ ok: false, problem: 'MsgSignature does not match' });
    expect(parsePassiveReply(account, 'someone-else', envelope('ea88b765074e41eb8c7a75b449db34fa2fd560d5'), false)).toMatchObject({ ok: false });
    expect(parsePassiveReply({ ...account, appId: 'wxother' }, openId, envelope('ea88b765074e41eb8c7a75b449db34fa2fd560d5'), false)).toMatchObject({ ok: false });
  });

  it('limits a news reply to 1 article after a user message, 8 after events', () => {
    const account: MpAccount = { appId: APP, appSecret: SECRET, token: TOKEN, mode: 'plain', accountType: 'service', verified: true, originalId: GH };
    const news = (n: number): string =>
      `<xml><ToUserName><![CDATA[${USER}]]></ToUserName><FromUserName><![CDATA[${GH}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>${n}</ArticleCount><Articles>${'<item><Title><![CDATA[t]]></Title><Url><![CDATA[https://x]]></Url></item>'.repeat(n)}</Articles></xml>`;
    expect(parsePassiveReply(account, USER, news(1), true)).toMatchObject({ ok: true, reply: { articleCount: 1 } });
    expect(parsePassiveReply(account, USER, news(2), true)).toMatchObject({ ok: false });
    expect(parsePassiveReply(account, USER, news(8), false)).toMatchObject({ ok: true });
    expect(parsePassiveReply(account, USER, news(9), false)).toMatchObject({ ok: false });
    expect(parsePassiveReply(account, USER, '{"json":true}', true)).toMatchObject({ ok: false, problem: 'reply is not an <xml> document' });
  });

  it('re-delivers the identical request when the gateway is slower than the timeout (3 in total)', async () => {
    await call('POST', '/_sim/mp/settings', { callbackTimeoutMs: 300 });
    await addAccount({ callbackUrl: await listen((_req, i) => (i < 2 ? { status: 200, body: 'success', delayMs: 1000 } : { status: 200, body: 'success' })) });
    const cb = await userMessage({ type: 'text', content: 'slow' });
    expect(cb.outcome).toBe('acknowledged');
    expect(cb.deliveries.map((d) => d.outcome)).toEqual(['timeout', 'timeout', 'acknowledged']);
    const reqs = receiver?.requests ?? [];
    expect(reqs).toHaveLength(3);
    expect(new Set(reqs.map((r) => r.rawUrl)).size).toBe(1);
    expect(new Set(reqs.map((r) => r.body)).size).toBe(1);
    expect(readXmlElement(reqs[2].body, 'MsgId')).toBe(cb.msgId);
  });

  it('a bot that answers after the first timeout replies on the second delivery; the user sees one answer', async () => {
    await call('POST', '/_sim/mp/settings', { callbackTimeoutMs: 300 });
    await addAccount({
      accountType: 'subscription',
      callbackUrl: await listen((req, i) => ({ status: 200, body: textReply(USER, `answer to ${readXmlElement(req.body, 'MsgId') ?? ''}`), delayMs: i === 0 ? 1000 : 0 })),
    });
    const cb = await userMessage({ type: 'text', content: 'question', msgId: '9000000000000001' });
    expect(cb.deliveries.map((d) => d.outcome)).toEqual(['timeout', 'reply']);
    expect((await transcript()).map((l) => [l['from'], l['text']])).toEqual([
      ['user', 'question'],
      ['account', 'answer to 9000000000000001'],
    ]);
  });

  it('gives up after 3 failed deliveries (timeouts, HTTP errors) and shows the service-unavailable text', async () => {
    await call('POST', '/_sim/mp/settings', { callbackTimeoutMs: 300 });
    await addAccount({ callbackUrl: await listen((_req, i) => (i === 0 ? { status: 500 } : { status: 200, body: '', delayMs: 1000 })) });
    const cb = await userMessage({ type: 'event', event: 'CLICK', eventKey: 'K1' });
    expect(cb.outcome).toBe('failed');
    expect(cb.deliveries.map((d) => d.outcome)).toEqual(['http_error', 'timeout', 'timeout']);
    expect(cb.dedupKey).toMatch(new RegExp(`^${USER}\\d+$`));
    expect(readXmlElement(cb.innerXml, 'EventKey')).toBe('K1');
    expect((await transcript()).map((l) => l['text'])).toEqual(['[event CLICK K1]', MP_SERVICE_UNAVAILABLE_TEXT]);
  });

  it('builds events as documented (VIEW with MenuId, LOCATION, TEMPLATESENDJOBFINISH, unsubscribe)', async () => {
    await addAccount({ callbackUrl: await listen(() => ({ status: 200, body: 'success' })) });
    const view = await userMessage({ type: 'event', event: 'VIEW', eventKey: 'https://example.com/a?b=1', menuId: 3 });
    expect(view.innerXml).toContain('<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://example.com/a?b=1]]></EventKey><MenuId>3</MenuId>');
    const loc = await userMessage({ type: 'event', event: 'LOCATION', latitude: 23.137466, longitude: 113.352425, precision: 119.385040 });
    expect(loc.innerXml).toContain('<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.38504</Precision>');
    const job = await userMessage({ type: 'event', event: 'TEMPLATESENDJOBFINISH', templateMsgId: '200163836', status: 'failed:user block' });
    expect(job.innerXml).toContain('<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status>');
    const unsub = await userMessage({ type: 'event', event: 'unsubscribe' });
    expect(unsub.innerXml).not.toContain('EventKey');
    expect((await call('POST', '/_sim/mp/user-message', { appId: APP, openId: USER, message: { type: 'event', event: 'bogus' } })).status).toBe(400);
    expect((await call('POST', '/_sim/mp/user-message', { appId: 'wxnone', openId: USER, message: { type: 'text', content: 'x' } })).status).toBe(404);
  });
});

describe('server-config verification', () => {
  it('sends signature/timestamp/nonce/echostr and checks the echo', async () => {
    let echo = true;
    const url = await listen((req) => ({ status: 200, body: echo ? (req.query.get('echostr') ?? '') : `"${req.query.get('echostr') ?? ''}"` }));
    await addAccount();
    const good = await call('POST', '/_sim/mp/verify-url', { appId: APP, url });
    expect(good.json).toMatchObject({ ok: true, status: 200 });
    const q = receiver?.requests[0].query as URLSearchParams;
    expect(q.get('signature')).toBe(wxPlainSignature(TOKEN, q.get('timestamp') ?? '', q.get('nonce') ?? ''));
    expect(q.get('echostr')).toBe(good.json['echostr']);
    echo = false;
    expect((await call('POST', '/_sim/mp/verify-url', { appId: APP, url })).json['ok']).toBe(false);
    expect((await call('POST', '/_sim/mp/verify-url', { appId: APP })).status).toBe(400);
  });
});

describe('menus and QR codes', () => {
  const menu = {
    button: [
      { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
      {
        name: '菜单',
        sub_button: [
          { type: 'view', name: '搜索', url: 'http://www.soso.com/' },
          { type: 'click', name: '赞一下我们', key: 'V1001_GOOD' },
        ],
      },
    ],
  };

  it('creates, reads and deletes a menu, and validates it', async () => {
    await addAccount();
    const t = await token();
    expect((await api('menu/get', t)).json['errcode']).toBe(46003);
    expect((await api('menu/create', t, menu)).json).toEqual({ errcode: 0, errmsg: 'ok' });
    const got = (await api('menu/get', t)).json['menu'] as { button: Json[] };
    expect(got.button[0]).toEqual({ ...menu.button[0], sub_button: [] });
    expect(got.button[1]['sub_button']).toEqual(menu.button[1].sub_button);
    const code = async (body: unknown): Promise<unknown> => (await api('menu/create', t, body)).json['errcode'];
    const click = { type: 'click', name: 'a', key: 'k' };
    expect(await code({ button: [click, click, click, click] })).toBe(40016);
    expect(await code({ button: [] })).toBe(40016);
    expect(await code({ button: [{ ...click, name: '一二三四五六' }] })).toBe(40018); // 18 bytes
    expect(await code({ button: [{ ...click, name: '一二三四五' }] })).toBe(0); // 15 bytes
    expect(await code({ button: [{ type: 'click', name: 'a' }] })).toBe(40019);
    expect(await code({ button: [{ type: 'view', name: 'a', url: 'x'.repeat(10) }] })).toBe(40020);
    expect(await code({ button: [{ type: 'bogus', name: 'a' }] })).toBe(40017);
    expect(await code({ button: [{ name: 'm', sub_button: Array.from({ length: 6 }, () => click) }] })).toBe(40023);
    expect(await code({ button: [{ name: 'm', sub_button: [{ type: 'bogus', name: 'a' }] }] })).toBe(40024);
    expect(await code({ button: [{ name: 'm', sub_button: [{ ...click, name: '字'.repeat(21) }] }] })).toBe(40025);
    expect(await code({ button: [{ name: 'm', sub_button: [{ ...click, key: 'k'.repeat(129) }] }] })).toBe(40026);
    expect(await code({ button: [{ name: 'm', sub_button: [{ type: 'view', name: 'a', url: `https://x/${'y'.repeat(1020)}` }] }] })).toBe(40027);
    expect((await api('menu/delete', t)).json['errcode']).toBe(0);
    expect((await api('menu/get', t)).json['errcode']).toBe(46003);
  });

  it('creates QR codes and plays scans: subscribe with qrscene_ for new followers, SCAN otherwise', async () => {
    await addAccount({ callbackUrl: await listen(() => ({ status: 200, body: 'success' })) });
    const t = await token();
    const temp = await api('qrcode/create', t, { expire_seconds: 600, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 123 } } });
    expect(temp.json).toEqual({ ticket: expect.any(String), expire_seconds: 600, url: expect.stringMatching(/^http:\/\/weixin\.qq\.com\/q\//) });
    const perm = await api('qrcode/create', t, { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'spring' } } });
    expect(perm.json).not.toHaveProperty('expire_seconds');
    expect((await api('qrcode/create', t, { action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'a' } } })).json['expire_seconds']).toBe(30);
    expect((await api('qrcode/create', t, { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100001 } } })).json['errcode']).toBe(40035);
    expect((await api('qrcode/create', t, { action_name: 'QR_NOPE', action_info: { scene: { scene_id: 1 } } })).json['errcode']).toBe(40035);

    const ticket = temp.json['ticket'] as string;
    const first = (await call('POST', '/_sim/mp/scan', { appId: APP, openId: 'oNew', ticket, subscribed: false })).json['callback'] as MpCallbackRecord;
    expect(first.event).toBe('subscribe');
    expect(readXmlElement(first.innerXml, 'EventKey')).toBe('qrscene_123');
    expect(readXmlElement(first.innerXml, 'Ticket')).toBe(ticket);
    const second = (await call('POST', '/_sim/mp/scan', { appId: APP, openId: 'oNew', ticket })).json['callback'] as MpCallbackRecord;
    expect(second.event).toBe('SCAN');
    expect(readXmlElement(second.innerXml, 'EventKey')).toBe('123');
    expect((await api('message/custom/send', t, { touser: 'oNew', msgtype: 'text', text: { content: 'thanks' } })).json['errcode']).toBe(0);
    expect(sim.mp.delivered(APP, 'oNew')[0].trigger).toBe('subscribe');
    sim.mp.advanceClock(601);
    expect((await call('POST', '/_sim/mp/scan', { appId: APP, openId: 'oNew', ticket })).status).toBe(410);
    expect((await call('POST', '/_sim/mp/scan', { appId: APP, openId: 'oNew', ticket: 'nope' })).status).toBe(404);

    await addAccount({ verified: false });
    const t2 = await token();
    expect((await api('qrcode/create', t2, { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 1 } } })).json['errcode']).toBe(48001);
  });
});

describe('media/get (temporary media)', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

  it('serves registered bytes with content type and file name; unknown id 40007 JSON; missing id 41006', async () => {
    await addAccount();
    sim.mp.addMedia('MEDIA_A', PNG, 'image/png');
    const added = await call('POST', '/_sim/mp/media', { mediaId: 'MEDIA_B', contentType: 'audio/amr', text: '#!AMR voice', fileName: 'voice.amr' });
    expect(added.status).toBe(201);
    expect(added.json['media']).toEqual({ mediaId: 'MEDIA_B', contentType: 'audio/amr', fileName: 'voice.amr', size: 11, appId: null });
    const t = await token();
    for (const path of ['/cgi-bin/media/get', '/mp/cgi-bin/media/get']) {
      const res = await fetch(`${sim.url}${path}?access_token=${t}&media_id=MEDIA_A`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="MEDIA_A.png"');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
    }
    const voice = await fetch(`${sim.url}/cgi-bin/media/get?access_token=${t}&media_id=MEDIA_B`);
    expect(await voice.text()).toBe('#!AMR voice');
    const unknown = await api('media/get', t);
    expect(unknown.json['errcode']).toBe(41006);
    const gone = await call('GET', `/cgi-bin/media/get?access_token=${t}&media_id=NOPE`);
    expect(gone.json['errcode']).toBe(40007);
    expect(gone.json['errmsg']).toMatch(/^invalid media_id hint: \[NOPE\] rid: /);
    expect(sim.mp.callCount('media/get')).toBe(5);
  });

  it('checks the token like every MP API, limits a file to its account, and leaves WeCom tokens to WeCom', async () => {
    await addAccount();
    sim.mp.addMedia('MINE', PNG, 'image/png', { appId: 'wx_other_account' });
    const t = await token();
    expect((await call('GET', `/cgi-bin/media/get?access_token=${t}&media_id=MINE`)).json['errcode']).toBe(40007);
    // Not an MP token: the shared path answers as WeCom (its own 40014 / 41001), the MP alias as MP.
    expect((await call('GET', '/cgi-bin/media/get?access_token=bogus&media_id=MINE')).json['errcode']).toBe(40014);
    expect((await call('GET', '/mp/cgi-bin/media/get?access_token=bogus&media_id=MINE')).json['errcode']).toBe(40001);
    expect((await call('POST', '/_sim/mp/media', { mediaId: 'X', contentType: 'image/png' })).status).toBe(400);
    expect((await call('POST', '/_sim/mp/media', { mediaId: 'X', contentType: 'nope', text: 'x' })).status).toBe(400);
  });

  it('is forgotten on reset', async () => {
    await addAccount();
    sim.mp.addMedia('M', PNG, 'image/png');
    sim.reset();
    await addAccount();
    expect((await call('GET', `/cgi-bin/media/get?access_token=${await token()}&media_id=M`)).json['errcode']).toBe(40007);
  });
});
