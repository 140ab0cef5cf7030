import { decodeEncodingAesKey, wxDecrypt, wxSignature } from '@imbridge/crypto';
import { readXmlElement } from '../core/xml.util';
import { startPlatformSim, type PlatformSim } from '../platform-sim';
import { startCallbackReceiver, type CallbackReceiver } from '../testing/callback-receiver.testing';

const CORP = 'wwkf0001';
const SECRET = 'kf-secret';
const TOKEN = 'kfToken123';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const USER = 'wmCustomer_0001';

let sim: PlatformSim;
let receiver: CallbackReceiver | undefined;
let accessToken: string;
let kfid: string;

type Json = Record<string, unknown>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

const api = (path: string, body?: unknown): Promise<{ status: number; json: Json }> =>
  call(body === undefined ? 'GET' : 'POST', `/cgi-bin/${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(accessToken)}`, body);

async function customer(content: string, user = USER, extra: Json = {}): Promise<Json> {
  const r = await call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: user, message: { type: 'text', content }, ...extra });
  expect(r.status).toBe(200);
  return r.json;
}

/** Opens a kf_msg_or_event callback like the gateway must: signature, decrypt, receiveid = corpid. */
function openCallback(rawUrl: string, body: string): { token: string; openKfid: string } {
  const q = new URL(rawUrl, 'http://x.invalid').searchParams;
  const encrypt = readXmlElement(body, 'Encrypt') ?? '';
  expect(wxSignature(TOKEN, q.get('timestamp') ?? '', q.get('nonce') ?? '', encrypt)).toBe(q.get('msg_signature'));
  const plain = wxDecrypt(decodeEncodingAesKey(AES_KEY), encrypt);
  expect(plain.receiveId).toBe(CORP);
  const xml = plain.message.toString('utf8');
  expect(readXmlElement(xml, 'Event')).toBe('kf_msg_or_event');
  return { token: readXmlElement(xml, 'Token') ?? '', openKfid: readXmlElement(xml, 'OpenKfId') ?? '' };
}

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  expect((await call('POST', '/_sim/wecom/apps', { corpId: CORP, agentId: 1000005, secret: SECRET, token: TOKEN, encodingAesKey: AES_KEY })).status).toBe(201);
  accessToken = (await call('GET', `/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json['access_token'] as string;
  const acc = await call('POST', '/_sim/kf/accounts', { corpId: CORP, name: '咨询客服' });
  expect(acc.status).toBe(201);
  kfid = (acc.json['account'] as Json)['openKfid'] as string;
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('accounts, links, servicers', () => {
  it('lists accounts with offset/limit, adds one, makes a contact link and lists servicers', async () => {
    const added = await api('kf/account/add', { name: '售后', media_id: 'm1' });
    expect(added.json['errcode']).toBe(0);
    const all = await api('kf/account/list', { offset: 0, limit: 100 });
    expect((all.json['account_list'] as Json[]).map((a) => a['name'])).toEqual(['咨询客服', '售后']);
    const second = await api('kf/account/list', { offset: 1, limit: 1 });
    expect(second.json['account_list']).toEqual([expect.objectContaining({ open_kfid: added.json['open_kfid'], manage_privilege: true })]);
    expect((await api('kf/account/list', { offset: 0, limit: 101 })).json['errcode']).toBe(40035);

    const link = await api('kf/add_contact_way', { open_kfid: kfid, scene: 'spring_sale' });
    expect(link.json['url']).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kf/);
    expect((await api('kf/add_contact_way', { open_kfid: kfid, scene: 'bad scene!' })).json['errcode']).toBe(40035);
    expect((await api('kf/add_contact_way', { open_kfid: 'wkUnknown', scene: 'a' })).json['errcode']).toBe(95004);

    await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 0 });
    await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'lisi', status: 1 });
    expect((await api(`kf/servicer/list?open_kfid=${kfid}`)).json['servicer_list']).toEqual([
      { userid: 'zhangsan', status: 0 },
      { userid: 'lisi', status: 1 },
    ]);
  });

  it('refuses a missing or unknown access_token with the WeCom codes', async () => {
    expect((await call('POST', '/cgi-bin/kf/account/list', {})).json['errcode']).toBe(41001);
    expect((await call('POST', '/cgi-bin/kf/account/list?access_token=nope', {})).json['errcode']).toBe(40014);
  });
});

describe('sync_msg', () => {
  it('pages with has_more, keeps cursors stable, and returns injected empty pages with has_more=1', async () => {
    for (let i = 1; i <= 5; i++) await customer(`m${i}`);
    const p1 = await api('kf/sync_msg', { open_kfid: kfid, limit: 2 });
    expect(p1.json).toMatchObject({ errcode: 0, has_more: 1 });
    expect((p1.json['msg_list'] as Json[]).map((m) => (m['text'] as Json)['content'])).toEqual(['m1', 'm2']);
    expect((p1.json['msg_list'] as Json[])[0]).toMatchObject({ origin: 3, open_kfid: kfid, external_userid: USER, msgtype: 'text' });

    const cursor = p1.json['next_cursor'] as string;
    const again = await api('kf/sync_msg', { open_kfid: kfid, limit: 2, cursor });
    const again2 = await api('kf/sync_msg', { open_kfid: kfid, limit: 2, cursor });
    expect(again2.json).toEqual(again.json);

    await call('POST', '/_sim/kf/empty-pages', { openKfid: kfid, count: 1 });
    const empty = await api('kf/sync_msg', { open_kfid: kfid, limit: 2, cursor: again.json['next_cursor'] });
    expect(empty.json).toMatchObject({ errcode: 0, has_more: 1, msg_list: [] });
    const last = await api('kf/sync_msg', { open_kfid: kfid, limit: 2, cursor: empty.json['next_cursor'] });
    expect((last.json['msg_list'] as Json[]).map((m) => (m['text'] as Json)['content'])).toEqual(['m5']);
    expect(last.json['has_more']).toBe(0);
    const ids = [p1, again, last].flatMap((p) => (p.json['msg_list'] as Json[]).map((m) => m['msgid']));
    expect(new Set(ids).size).toBe(5);

    expect((await api('kf/sync_msg', { open_kfid: kfid, cursor: 'garbage' })).json['errcode']).toBe(40035);
    expect((await api('kf/sync_msg', { open_kfid: kfid, limit: 1001 })).json['errcode']).toBe(40035);
  });

  it('starts without cursor at the earliest message within 3 days', async () => {
    const nowS = Math.floor(sim.kf.now() / 1000);
    await customer('too old', USER, { sendTime: nowS - 4 * 86400 });
    await customer('recent', USER, { sendTime: nowS - 2 * 86400 });
    const page = await api('kf/sync_msg', { open_kfid: kfid });
    expect((page.json['msg_list'] as Json[]).map((m) => (m['text'] as Json)['content'])).toEqual(['recent']);
  });

  it('accepts the callback token for 10 minutes of the controllable clock, then answers 95007', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }), '/kf');
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url });
    await customer('hello');
    const { token } = openCallback(receiver.requests[0]!.rawUrl, receiver.requests[0]!.body);
    expect((await api('kf/sync_msg', { open_kfid: kfid, token })).json['errcode']).toBe(0);
    await call('POST', '/_sim/kf/clock', { advanceMs: 9 * 60_000 });
    expect((await api('kf/sync_msg', { open_kfid: kfid, token })).json['errcode']).toBe(0);
    await call('POST', '/_sim/kf/clock', { advanceMs: 60_000 });
    expect((await api('kf/sync_msg', { open_kfid: kfid, token })).json['errcode']).toBe(95007);
    expect((await api('kf/sync_msg', { open_kfid: kfid, token: 'ENCnotissued' })).json['errcode']).toBe(95007);
  });

  it('rate-limits sync without token per the configured window', async () => {
    await call('POST', '/_sim/kf/settings', { syncWithoutToken: { max: 2, windowMs: 60_000 } });
    expect((await api('kf/sync_msg', { open_kfid: kfid })).json['errcode']).toBe(0);
    expect((await api('kf/sync_msg', { open_kfid: kfid })).json['errcode']).toBe(0);
    expect((await api('kf/sync_msg', { open_kfid: kfid })).json['errcode']).toBe(45009);
    await call('POST', '/_sim/kf/clock', { advanceMs: 60_000 });
    expect((await api('kf/sync_msg', { open_kfid: kfid })).json['errcode']).toBe(0);
  });
});

describe('callbacks', () => {
  it('pushes encrypted kf_msg_or_event, duplicated, held and released out of order, or not at all', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }), '/kf');
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url, mode: 'duplicate' });
    const r = await customer('one');
    expect((r['callbacks'] as Json[]).map((c) => c['status'])).toEqual([200, 200]);
    expect(receiver.requests.map((q) => openCallback(q.rawUrl, q.body).openKfid)).toEqual([kfid, kfid]);

    const other = ((await call('POST', '/_sim/kf/accounts', { corpId: CORP, name: '二号' })).json['account'] as Json)['openKfid'] as string;
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url, mode: 'hold' });
    await customer('two');
    await call('POST', '/_sim/kf/customer-message', { openKfid: other, externalUserId: USER, message: { type: 'text', content: 'x' } });
    expect(receiver.requests).toHaveLength(2);
    const flushed = await call('POST', '/_sim/kf/callbacks/flush', { order: 'reverse' });
    expect((flushed.json['callbacks'] as Json[]).map((c) => c['openKfid'])).toEqual([other, kfid]);
    expect(receiver.requests.slice(2).map((q) => openCallback(q.rawUrl, q.body).openKfid)).toEqual([other, kfid]);

    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url, mode: 'normal' });
    const lost = await customer('three', USER, { callback: 'none' });
    expect(lost['callbacks']).toEqual([]);
    expect(receiver.requests).toHaveLength(4);
    // The pull still sees everything a lost callback would have announced.
    const page = await api('kf/sync_msg', { open_kfid: kfid });
    expect((page.json['msg_list'] as Json[]).map((m) => (m['text'] as Json)['content'])).toEqual(['one', 'two', 'three']);
  });
});

describe('send_msg', () => {
  const text = (msgid: string, content = 'hi'): Json => ({ touser: USER, open_kfid: kfid, msgid, msgtype: 'text', text: { content } });

  it('validates the body and treats our msgid as an idempotency key (configurable)', async () => {
    await customer('hello');
    expect((await api('kf/send_msg', { ...text('a'), msgtype: 'sticker' })).json['errcode']).toBe(40008);
    expect((await api('kf/send_msg', text('bad id!'))).json['errcode']).toBe(40035);
    expect((await api('kf/send_msg', text('big', 'x'.repeat(2049)))).json['errcode']).toBe(45002);
    expect((await api('kf/send_msg', { ...text('a'), open_kfid: 'wkNope' })).json['errcode']).toBe(95004);

    expect((await api('kf/send_msg', text('our_1'))).json).toEqual({ errcode: 0, errmsg: 'ok', msgid: 'our_1' });
    expect((await api('kf/send_msg', text('our_1'))).json).toEqual({ errcode: 0, errmsg: 'ok', msgid: 'our_1' });
    const delivered = await call('GET', `/_sim/kf/delivered?openKfid=${kfid}&externalUserId=${USER}`);
    expect((delivered.json['messages'] as Json[]).map((m) => m['msgid'])).toEqual(['our_1']);

    await call('POST', '/_sim/kf/settings', { duplicateMsgid: 'error' });
    expect((await api('kf/send_msg', text('our_1'))).json['errcode']).toBe(40035);
    expect(sim.kf.delivered()).toHaveLength(1);
  });

  it('allows 5 messages within 48 h of the customer message, then 95001 and msg_send_fail; 48 h later fail_type 4', async () => {
    await customer('hello');
    for (let i = 1; i <= 5; i++) expect((await api('kf/send_msg', text(`q${i}`))).json['errcode']).toBe(0);
    expect((await call('GET', `/_sim/kf/session?openKfid=${kfid}&externalUserId=${USER}`)).json['session']).toMatchObject({ quotaLeft: 0, sentSinceCustomer: 5 });
    expect((await api('kf/send_msg', text('q6'))).json['errcode']).toBe(95001);
    // A refused send does not use up its msgid: the same msgid is refused again, not "already sent".
    expect((await api('kf/send_msg', text('q6'))).json['errcode']).toBe(95001);
    const fail = sim.kf.log(kfid).at(-2)!.item;
    expect(fail).toMatchObject({ origin: 4, msgtype: 'event', event: { event_type: 'msg_send_fail', fail_msgid: 'q6', fail_type: 6 } });
    expect(sim.kf.delivered().map((d) => d.msgid)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);

    await customer('again');
    expect((await api('kf/send_msg', text('q7'))).json['errcode']).toBe(0);
    await call('POST', '/_sim/kf/clock', { advanceMs: 48 * 3600_000 });
    expect((await api('kf/send_msg', text('q8'))).json['errcode']).toBe(95018);
    expect(sim.kf.log(kfid).at(-1)!.item).toMatchObject({ event: { event_type: 'msg_send_fail', fail_msgid: 'q8', fail_type: 4 } });
  });

  it("quotaMode 'accept' answers ok but logs msg_send_fail and delivers nothing", async () => {
    await call('POST', '/_sim/kf/settings', { quotaMode: 'accept' });
    await customer('hello');
    for (let i = 1; i <= 6; i++) expect((await api('kf/send_msg', text(`a${i}`))).json['errcode']).toBe(0);
    expect(sim.kf.delivered()).toHaveLength(5);
    expect(sim.kf.log(kfid).at(-1)!.item).toMatchObject({ event: { fail_msgid: 'a6', fail_type: 6 } });
  });
});

describe('welcome code', () => {
  it('enter_session carries a welcome_code usable once within 20 s', async () => {
    await call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: USER, message: { type: 'enter_session', scene: 'spring_sale', sceneParam: 'a%3D1' } });
    await call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: 'wmSecond', message: { type: 'enter_session', scene: 's2' } });
    const list = (await api('kf/sync_msg', { open_kfid: kfid })).json['msg_list'] as Json[];
    const ev = list.map((m) => m['event'] as Json);
    expect(list[0]).toMatchObject({ origin: 4, msgtype: 'event' });
    expect(list[0]).not.toHaveProperty('open_kfid');
    expect(ev[0]).toMatchObject({ event_type: 'enter_session', open_kfid: kfid, external_userid: USER, scene: 'spring_sale', scene_param: 'a%3D1' });
    const body = (code: unknown, msgid: string): Json => ({ code, msgid, msgtype: 'text', text: { content: '欢迎咨询' } });
    expect((await api('kf/send_msg_on_event', body(ev[0]!['welcome_code'], 'w1'))).json).toEqual({ errcode: 0, errmsg: 'ok', msgid: 'w1' });
    expect((await api('kf/send_msg_on_event', body(ev[0]!['welcome_code'], 'w2'))).json['errcode']).toBe(40035);
    expect(sim.kf.delivered()).toEqual([expect.objectContaining({ externalUserId: USER, via: 'send_msg_on_event', msgid: 'w1' })]);

    await call('POST', '/_sim/kf/clock', { advanceMs: 20_000 });
    expect((await api('kf/send_msg_on_event', body(ev[1]!['welcome_code'], 'w3'))).json['errcode']).toBe(40035);
  });
});

describe('session state', () => {
  const trans = (state: number, servicer?: string): Promise<{ json: Json }> =>
    api('kf/service_state/trans', { open_kfid: kfid, external_userid: USER, service_state: state, ...(servicer ? { servicer_userid: servicer } : {}) });
  const get = async (): Promise<Json> => (await api('kf/service_state/get', { open_kfid: kfid, external_userid: USER })).json;

  it('follows the allowed transitions, refuses the others, and logs session_status_change', async () => {
    await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 0 });
    await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'resting', status: 1 });
    expect(await get()).toMatchObject({ service_state: 4 });
    expect((await trans(1)).json['errcode']).toBe(95016);
    await customer('hi');
    expect(await get()).toMatchObject({ service_state: 0 });
    expect((await trans(1)).json['errcode']).toBe(0);
    expect((await trans(0)).json['errcode']).toBe(95016);
    const queued = await trans(2);
    expect(queued.json).toEqual({ errcode: 0, errmsg: 'ok', msg_code: expect.any(String) });
    expect((await trans(1)).json['errcode']).toBe(95016);
    expect((await trans(3)).json['errcode']).toBe(40035);
    expect((await trans(3, 'resting')).json['errcode']).toBe(95014);
    expect((await trans(3, 'zhangsan')).json['errcode']).toBe(0);
    expect(await get()).toMatchObject({ service_state: 3, servicer_userid: 'zhangsan' });
    expect((await api('kf/send_msg', { touser: USER, open_kfid: kfid, msgtype: 'text', text: { content: 'x' } })).json['errcode']).toBe(95018);
    const control = await call('GET', `/_sim/kf/session?openKfid=${kfid}&externalUserId=${USER}`);
    expect(control.json['session']).toMatchObject({ serviceState: 3, servicerUserId: 'zhangsan' });
    const ended = await trans(4);
    expect(ended.json['msg_code']).toEqual(expect.any(String));
    expect((await trans(1)).json['errcode']).toBe(95016);

    const events = sim.kf.log(kfid).filter((e) => (e.item['event'] as Json | undefined)?.['event_type'] === 'session_status_change');
    expect(events.map((e) => (e.item['event'] as Json)['change_type'])).toEqual([1, 3]);
    expect((events[1]!.item['event'] as Json)['msg_code']).toBe(ended.json['msg_code']);
    expect(events[0]!.item['event']).toMatchObject({ change_type: 1, old_servicer_userid: '', new_servicer_userid: 'zhangsan', msg_code: expect.any(String) });
    // The end code sends the end message once (text), then is spent.
    const endMsg = { code: ended.json['msg_code'], msgtype: 'text', text: { content: '感谢咨询' } };
    expect((await api('kf/send_msg_on_event', endMsg)).json['errcode']).toBe(0);
    expect((await api('kf/send_msg_on_event', endMsg)).json['errcode']).toBe(40035);
  });

  it('a servicer message from the WeCom client is origin 5 and moves the session to 3', async () => {
    await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 0 });
    await customer('hi');
    const r = await call('POST', '/_sim/kf/servicer-message', { openKfid: kfid, externalUserId: USER, servicerUserId: 'zhangsan', content: '您好' });
    expect(r.status).toBe(200);
    expect(await get()).toMatchObject({ service_state: 3, servicer_userid: 'zhangsan' });
    const list = (await api('kf/sync_msg', { open_kfid: kfid })).json['msg_list'] as Json[];
    expect(list.at(-1)).toMatchObject({ origin: 5, servicer_userid: 'zhangsan', text: { content: '您好' } });
    expect((await call('POST', '/_sim/kf/servicer-message', { openKfid: kfid, externalUserId: USER, servicerUserId: 'ghost', content: 'x' })).status).toBe(409);
  });
});

describe('control API', () => {
  it('answers 4xx for bad input and reset() forgets kf state', async () => {
    expect((await call('POST', '/_sim/kf/accounts', { corpId: 'wwUnknown', name: 'x' })).status).toBe(404);
    expect((await call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: 'notwm', message: { type: 'text', content: 'x' } })).status).toBe(400);
    expect((await call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: USER, message: { type: 'sticker' } })).status).toBe(400);
    expect((await call('POST', '/_sim/kf/settings', { quotaMode: 'maybe' })).status).toBe(400);
    expect((await call('GET', '/_sim/kf/session?openKfid=wkNope&externalUserId=wm1')).status).toBe(404);
    await customer('hi');
    const faults = await call('POST', '/_sim/kf/faults', { api: 'kf/sync_msg', fromCall: 1, count: 1, errcode: -1 });
    expect(faults.status).toBe(201);
    expect((await api('kf/sync_msg', { open_kfid: kfid })).json['errcode']).toBe(-1);
    expect((await call('GET', '/_sim/kf/calls?api=kf/sync_msg')).json['calls']).toEqual([expect.objectContaining({ faulted: true, errcode: -1 })]);
    await call('POST', '/_sim/reset');
    expect(sim.kf.accounts(CORP)).toEqual([]);
    expect(sim.kf.calls()).toEqual([]);
    expect(sim.kf.faults()).toEqual([]);
  });
});

/** Downloads a media_id through the WeCom sim's media/get with the corp's token. */
async function download(mediaId: string): Promise<{ status: number; type: string | null; disposition: string | null; bytes: Buffer }> {
  const res = await fetch(`${sim.url}/cgi-bin/media/get?access_token=${encodeURIComponent(accessToken)}&media_id=${encodeURIComponent(mediaId)}`);
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) };
}

async function send(message: Json, user = USER): Promise<{ status: number; json: Json }> {
  return call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: user, message });
}

describe('customer message kinds', () => {
  it('logs voice, video, file, image, location, link, business_card and miniprogram in the doc shapes; media download with the corp token', async () => {
    const kinds: Json[] = [
      { type: 'voice' },
      { type: 'video' },
      { type: 'file', fileName: '报价单.pdf' },
      { type: 'image' },
      { type: 'location', latitude: 23.1291, longitude: 113.2644, name: '广州塔', address: '广州市海珠区阅江西路222号' },
      { type: 'link', title: '退货说明', desc: '七天无理由', url: 'https://example.com/return', picUrl: 'https://example.com/p.png' },
      { type: 'business_card', userid: 'zhangsan' },
      { type: 'miniprogram', appid: 'wx1234567890abcdef', title: '商城', pagepath: 'pages/index?x=1' },
    ];
    for (const m of kinds) expect((await send(m)).status).toBe(200);
    const list = (await api('kf/sync_msg', { open_kfid: kfid })).json['msg_list'] as Json[];
    expect(list.map((m) => m['msgtype'])).toEqual(['voice', 'video', 'file', 'image', 'location', 'link', 'business_card', 'miniprogram']);
    for (const m of list) expect(m).toMatchObject({ origin: 3, open_kfid: kfid, external_userid: USER });
    const [voice, video, file, image, location, link, card, mini] = list.map((m) => m[m['msgtype'] as string] as Json);
    expect(location).toEqual({ latitude: 23.1291, longitude: 113.2644, name: '广州塔', address: '广州市海珠区阅江西路222号' });
    expect(link).toEqual({ title: '退货说明', desc: '七天无理由', url: 'https://example.com/return', pic_url: 'https://example.com/p.png' });
    expect(card).toEqual({ userid: 'zhangsan' });
    expect(mini).toEqual({ appid: 'wx1234567890abcdef', title: '商城', pagepath: 'pages/index?x=1', thumb_media_id: expect.any(String) });

    const v = await download(voice!['media_id'] as string);
    expect(v).toMatchObject({ status: 200, type: 'audio/amr' });
    expect(v.bytes.subarray(0, 6).toString('latin1')).toBe('#!AMR\n');
    const vid = await download(video!['media_id'] as string);
    expect(vid.type).toBe('video/mp4');
    expect(vid.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const f = await download(file!['media_id'] as string);
    expect(f.type).toBe('application/pdf');
    expect(f.disposition).toContain(`filename*=UTF-8''${encodeURIComponent('报价单.pdf')}`);
    expect(f.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    for (const id of [image!['media_id'], mini!['thumb_media_id']]) {
      const img = await download(id as string);
      expect(img.type).toBe('image/png');
      expect(img.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    // Deterministic bytes: the same kind gives the same content under a new media_id.
    const again = (await send({ type: 'voice' })).json['entry'] as Json;
    const againId = ((again['item'] as Json)['voice'] as Json)['media_id'] as string;
    expect(againId).not.toBe(voice!['media_id']);
    expect((await download(againId)).bytes).toEqual(v.bytes);
    // Any customer message counts as the customer writing: the session opens and the quota is 5.
    expect(sim.kf.session(kfid, USER)).toMatchObject({ serviceState: 0, quotaLeft: 5 });
  });

  it('keeps a given image media_id, names other files by extension, and refuses bad shapes with 400', async () => {
    const img = (await send({ type: 'image', mediaId: 'given-media' })).json['entry'] as Json;
    expect((img['item'] as Json)['image']).toEqual({ media_id: 'given-media' });
    const txt = await sim.kf.customerSends(kfid, USER, { type: 'file', fileName: 'notes.txt' });
    const txtFile = await download((txt.entry.item['file'] as Json)['media_id'] as string);
    expect(txtFile.type).toBe('text/plain');
    expect(txtFile.bytes.toString('utf8')).toContain('notes.txt');
    const tapped = (await send({ type: 'text', content: '查物流', menuId: 'logistics' })).json['entry'] as Json;
    expect((tapped['item'] as Json)['text']).toEqual({ content: '查物流', menu_id: 'logistics' });

    for (const bad of [
      { type: 'location', latitude: 91, longitude: 0 },
      { type: 'location', latitude: '23', longitude: 113 },
      { type: 'link', title: 't', url: 'javascript:alert(1)' },
      { type: 'link', url: 'https://example.com' },
      { type: 'business_card' },
      { type: 'miniprogram', title: 'x' },
      { type: 'file', fileName: '../etc/passwd' },
      { type: 'enter_session', welcome: 'yes' },
    ]) {
      const r = await send(bad);
      expect([r.status, bad]).toEqual([400, bad]);
    }
  });
});

describe('events: recall and servicer status', () => {
  it('user_recall_msg for one of the customer’s msgids, with a callback; unknown, foreign or repeated recalls are refused', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }), '/kf');
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url });
    const first = (await customer('说错了')) as { entry: { msgid: string } };
    await customer('other user', 'wmOther');
    const r = await call('POST', '/_sim/kf/recall', { openKfid: kfid, externalUserId: USER, msgid: first.entry.msgid });
    expect(r.status).toBe(200);
    expect((r.json['callbacks'] as Json[]).map((c) => c['status'])).toEqual([200]);
    expect(receiver.requests).toHaveLength(3);
    const list = (await api('kf/sync_msg', { open_kfid: kfid })).json['msg_list'] as Json[];
    expect(list.at(-1)).toMatchObject({
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'user_recall_msg', open_kfid: kfid, external_userid: USER, recall_msgid: first.entry.msgid },
    });
    expect(list.at(-1)).not.toHaveProperty('external_userid');

    expect((await call('POST', '/_sim/kf/recall', { openKfid: kfid, externalUserId: USER, msgid: first.entry.msgid })).status).toBe(409);
    expect((await call('POST', '/_sim/kf/recall', { openKfid: kfid, externalUserId: 'wmOther', msgid: first.entry.msgid })).status).toBe(404);
    expect((await call('POST', '/_sim/kf/recall', { openKfid: kfid, externalUserId: USER, msgid: 'from_msgid_nope' })).json).toMatchObject({ error: 'unknown_msgid' });
    expect(sim.kf.conversation(kfid, USER).find((e) => e.msgid === first.entry.msgid)).toMatchObject({ recalled: true, text: '说错了' });
  });

  it('servicer_status_change when a servicer changes status (event 1 receiving / 2 stopped; list 0 / 1)', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }), '/kf');
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url });
    const added = await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 0 });
    expect(added.json).toEqual({ servicers: [{ userid: 'zhangsan', status: 0 }], callbacks: [] });
    const stopped = await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 1 });
    expect(stopped.json['servicers']).toEqual([{ userid: 'zhangsan', status: 1 }]);
    expect((stopped.json['callbacks'] as Json[]).map((c) => c['status'])).toEqual([200]);
    expect(openCallback(receiver.requests[0]!.rawUrl, receiver.requests[0]!.body).openKfid).toBe(kfid);
    expect((stopped.json['entry'] as Json)['item']).toMatchObject({
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'servicer_status_change', servicer_userid: 'zhangsan', status: 2, open_kfid: kfid },
    });
    // Same status again: nothing happens.
    expect((await call('POST', '/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 1 })).json['callbacks']).toEqual([]);
    expect((await api(`kf/servicer/list?open_kfid=${kfid}`)).json['servicer_list']).toEqual([{ userid: 'zhangsan', status: 1 }]);
    // In-process, synchronously logged (no callback target, so nothing is pushed in the background).
    sim.kf.setCallback(CORP, null);
    expect(sim.kf.setServicer(kfid, 'zhangsan', 0)).toEqual([{ userid: 'zhangsan', status: 0 }]);
    const events = (await api('kf/sync_msg', { open_kfid: kfid })).json['msg_list'] as Json[];
    expect(events.map((m) => (m['event'] as Json)['status'])).toEqual([2, 1]);
  });
});

describe('contact links', () => {
  it('opens a URL from add_contact_way with an appended scene_param: enter_session with scene, decoded scene_param and a welcome_code', async () => {
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }), '/kf');
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url });
    const url = (await api('kf/add_contact_way', { open_kfid: kfid, scene: 'spring_sale' })).json['url'] as string;
    expect((await call('GET', `/_sim/kf/links?openKfid=${kfid}`)).json['links']).toEqual([{ url, openKfid: kfid, scene: 'spring_sale', createdAt: expect.any(Number) }]);
    const param = 'order=1001&src=短信';
    const opened = await call('POST', '/_sim/kf/open-link', { url: `${url}&scene_param=${encodeURIComponent(param)}`, externalUserId: USER });
    expect(opened.status).toBe(200);
    expect(opened.json).toMatchObject({ link: { openKfid: kfid, scene: 'spring_sale' }, sceneParam: param, callbacks: [{ status: 200 }] });
    const ev = ((await api('kf/sync_msg', { open_kfid: kfid })).json['msg_list'] as Json[])[0]!['event'] as Json;
    expect(ev).toEqual({ event_type: 'enter_session', open_kfid: kfid, external_userid: USER, scene: 'spring_sale', scene_param: param, welcome_code: expect.any(String) });
    const welcome = await api('kf/send_msg_on_event', { code: ev['welcome_code'], msgtype: 'text', text: { content: '欢迎' } });
    expect(welcome.json['errcode']).toBe(0);

    // Plain link (no scene_param), no welcome; in-process too.
    const plain = await sim.kf.openLink({ url, externalUserId: 'wmSecond', welcome: false });
    expect(plain.entry.item['event']).toEqual({ event_type: 'enter_session', open_kfid: kfid, external_userid: 'wmSecond', scene: 'spring_sale', scene_param: '' });
  });

  it('refuses URLs the sim never issued, garbage and oversized scene_param', async () => {
    const url = (await api('kf/add_contact_way', { open_kfid: kfid, scene: 'a' })).json['url'] as string;
    const open = (u: string): Promise<{ status: number; json: Json }> => call('POST', '/_sim/kf/open-link', { url: u, externalUserId: USER });
    expect((await open(url.replace('enc_scene=a', 'enc_scene=b'))).json).toMatchObject({ error: 'unknown_link' });
    expect((await open(`https://work.weixin.qq.com/kfid/${kfid}`)).status).toBe(404);
    expect((await open(`${url}&extra=1`)).status).toBe(404);
    expect((await open('not a url')).status).toBe(400);
    expect((await open(`${url}&scene_param=${encodeURIComponent('字'.repeat(43))}`)).status).toBe(400);
    expect((await open(`${url}&scene_param=a&scene_param=b`)).status).toBe(400);
    // scene_param needs a link made with a scene.
    const bare = (await api('kf/add_contact_way', { open_kfid: kfid })).json['url'] as string;
    expect((await open(`${bare}?scene_param=x`)).status).toBe(400);
    expect((await call('POST', '/_sim/kf/open-link', { url, externalUserId: 'bad' })).status).toBe(400);
    expect(sim.kf.log(kfid)).toEqual([]);
    expect((await open(bare)).json['entry']).toMatchObject({ item: { event: { event_type: 'enter_session', scene: '', scene_param: '' } } });
  });
});

describe('chat page views', () => {
  it('conversation merges what the customer sent with what they received, in order, with the session view', async () => {
    const url = (await api('kf/add_contact_way', { open_kfid: kfid, scene: 'web' })).json['url'] as string;
    const opened = await sim.kf.openLink({ url, externalUserId: USER });
    const code = (opened.entry.item['event'] as Json)['welcome_code'];
    const menu = {
      head_content: '您好，请选择：',
      list: [
        { type: 'click', click: { id: 'price', content: '价格' } },
        { type: 'view', view: { url: 'https://example.com/help', content: '帮助中心' } },
        { type: 'miniprogram', miniprogram: { appid: 'wx1', pagepath: 'p', content: '小程序' } },
        { type: 'text', text: { content: '或直接输入问题' } },
      ],
      tail_content: '谢谢',
    };
    expect((await api('kf/send_msg_on_event', { code, msgid: 'welcome1', msgtype: 'msgmenu', msgmenu: menu })).json['errcode']).toBe(0);
    await send({ type: 'text', content: '价格', menuId: 'price' });
    expect((await api('kf/send_msg', { touser: USER, open_kfid: kfid, msgid: 'ans1', msgtype: 'text', text: { content: '100 元 <b>' } })).json['errcode']).toBe(0);
    await customer('someone else', 'wmOther');

    const res = await call('GET', `/_sim/kf/conversation?openKfid=${kfid}&externalUserId=${USER}`);
    expect(res.status).toBe(200);
    const entries = res.json['entries'] as Json[];
    expect(entries.map((e) => [e['from'], e['kind'], e['msgtype']])).toEqual([
      ['system', 'event', 'enter_session'],
      ['kf', 'menu', 'msgmenu'],
      ['customer', 'text', 'text'],
      ['kf', 'text', 'text'],
    ]);
    expect(entries[1]).toMatchObject({ id: 'dwelcome1', via: 'send_msg_on_event' });
    expect(entries[1]!['menu']).toEqual({
      head: '您好，请选择：',
      items: [
        { type: 'click', id: 'price', content: '价格' },
        { type: 'view', url: 'https://example.com/help', content: '帮助中心' },
        { type: 'miniprogram', appid: 'wx1', pagepath: 'p', content: '小程序' },
        { type: 'text', content: '或直接输入问题' },
      ],
      tail: '谢谢',
    });
    expect(entries[2]).toMatchObject({ text: '价格', menuId: 'price' });
    expect(entries[3]).toMatchObject({ text: '100 元 <b>', via: 'send_msg' });
    expect(res.json['session']).toMatchObject({ serviceState: 0, quotaLeft: 4, sentSinceCustomer: 1 });
    expect((await call('GET', `/_sim/kf/conversation?openKfid=wkNope&externalUserId=${USER}`)).status).toBe(404);
    expect((await call('GET', `/_sim/kf/conversation?openKfid=${kfid}`)).status).toBe(400);
  });

  it('lists accounts of every corp without corpId and reports the corp callback target', async () => {
    sim.wecom.addApp({ corpId: 'wwkf0002', agentId: 1000006, secret: 's2', token: TOKEN, encodingAesKey: AES_KEY });
    sim.kf.addAccount({ corpId: 'wwkf0002', name: '二号' });
    expect(((await call('GET', '/_sim/kf/accounts')).json['accounts'] as Json[]).map((a) => [a['corpId'], a['name']])).toEqual([
      [CORP, '咨询客服'],
      ['wwkf0002', '二号'],
    ]);
    expect((await call('GET', `/_sim/kf/callback?corpId=${CORP}`)).json).toEqual({ corpId: CORP, url: null, mode: null });
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: 'http://127.0.0.1:9/kf', mode: 'hold' });
    expect((await call('GET', `/_sim/kf/callback?corpId=${CORP}`)).json).toEqual({ corpId: CORP, url: 'http://127.0.0.1:9/kf', mode: 'hold' });
  });
});

describe('kf/customer/batchget', () => {
  it('answers the profiles of customers who wrote, a set nickname, and lists unknown ids as invalid', async () => {
    const s = await startPlatformSim();
    try {
      const app = s.wecom.addApp({ corpId: 'wwbatchget0000001', agentId: 1000005, secret: 'S'.repeat(43) });
      const kf = s.kf.addAccount({ corpId: app.corpId, name: '售前' }).openKfid;
      await s.kf.customerSends(kf, 'wmAlice0001', { type: 'text', content: '你好' });
      await s.kf.customerSends(kf, 'wmBob0002', { type: 'text', content: '在吗' });
      const set = await fetch(`${s.url}/_sim/kf/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ externalUserId: 'wmAlice0001', nickname: '王女士', gender: 2 }) });
      expect(set.status).toBe(200);
      const token = ((await (await fetch(`${s.url}/cgi-bin/gettoken?corpid=${app.corpId}&corpsecret=${app.secret}`)).json()) as { access_token: string }).access_token;
      const call = async (body: unknown): Promise<Record<string, unknown>> =>
        (await (await fetch(`${s.url}/cgi-bin/kf/customer/batchget?access_token=${token}`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, unknown>;
      const got = await call({ external_userid_list: ['wmAlice0001', 'wmBob0002', 'wmNobody9'] });
      expect(got['errcode']).toBe(0);
      expect(got['customer_list']).toEqual([
        { external_userid: 'wmAlice0001', nickname: '王女士', avatar: '', gender: 2, unionid: '' },
        { external_userid: 'wmBob0002', nickname: '微信用户0002', avatar: '', gender: 0, unionid: '' },
      ]);
      expect(got['invalid_external_userid']).toEqual(['wmNobody9']);
      expect((await call({ external_userid_list: [] }))['errcode']).not.toBe(0);
      expect((await call({ external_userid_list: Array.from({ length: 101 }, (_, i) => `wm${i}`) }))['errcode']).not.toBe(0);
    } finally {
      await s.close();
    }
  });
});
