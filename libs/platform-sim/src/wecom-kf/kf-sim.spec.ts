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
    expect((await call('POST', '/_sim/kf/customer-message', { openKfid: kfid, externalUserId: USER, message: { type: 'video' } })).status).toBe(400);
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
