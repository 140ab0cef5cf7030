import { startPlatformSim, type PlatformSim } from '../platform-sim';

const CORP = 'ww0123456789abcdef';
const AGENT = 1000002;
const SECRET = 'app-secret-1';

let sim: PlatformSim;

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.wecom.addApp({ corpId: CORP, agentId: AGENT, secret: SECRET });
});

type Json = Record<string, unknown>;

async function get(path: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sim.url}${path}`);
  return { status: res.status, json: (await res.json()) as Json };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

async function fetchToken(corpId = CORP, secret = SECRET): Promise<string> {
  const { json } = await get(`/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${encodeURIComponent(secret)}`);
  expect(json['errcode']).toBe(0);
  return json['access_token'] as string;
}

function send(token: string, body: unknown): Promise<{ status: number; json: Json }> {
  return post(`/cgi-bin/message/send?access_token=${encodeURIComponent(token)}`, body);
}

const textBody = (content: string, extra: Json = {}): Json => ({ touser: 'zhangsan', msgtype: 'text', agentid: AGENT, text: { content }, ...extra });

describe('gettoken', () => {
  it('issues distinct long tokens with expires_in and counts calls per corp', async () => {
    const a = await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
    const b = await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ errcode: 0, errmsg: 'ok', access_token: expect.any(String), expires_in: 7200 });
    expect((a.json['access_token'] as string).length).toBeGreaterThanOrEqual(32);
    expect(a.json['access_token']).not.toBe(b.json['access_token']);
    await get(`/cgi-bin/gettoken?corpid=other&corpsecret=x`);
    expect(sim.wecom.gettokenCount(CORP)).toBe(2);
    expect(sim.wecom.gettokenCount('other')).toBe(1);
    expect(sim.wecom.callCount('gettoken')).toBe(3);
  });

  it('uses tokenTtlSeconds for expires_in and the real lifetime', async () => {
    sim.wecom.addApp({ corpId: 'wwttl', agentId: 7, secret: 's', tokenTtlSeconds: 60 });
    const { json } = await get('/cgi-bin/gettoken?corpid=wwttl&corpsecret=s');
    expect(json['expires_in']).toBe(60);
    const now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    try {
      const res = await send(json['access_token'] as string, { touser: 'u', msgtype: 'text', agentid: 7, text: { content: 'x' } });
      expect(res.json).toEqual({ errcode: 42001, errmsg: 'access_token expired' });
    } finally {
      spy.mockRestore();
    }
  });

  it('answers 40013 for an unknown corpid, 40001 for a wrong secret, 41002 without corpid', async () => {
    expect((await get('/cgi-bin/gettoken?corpid=nope&corpsecret=x')).json).toEqual({ errcode: 40013, errmsg: 'invalid corpid' });
    expect((await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=wrong`)).json).toEqual({ errcode: 40001, errmsg: 'invalid credential' });
    expect((await get('/cgi-bin/gettoken?corpsecret=x')).json['errcode']).toBe(41002);
    const calls = sim.wecom.calls('gettoken');
    expect(calls.map((c) => c.errcode)).toEqual([40013, 40001, 41002]);
    expect(calls[1]).toMatchObject({ api: 'gettoken', callNumber: 2, tenant: CORP, httpStatus: 200, faulted: false });
  });

  it('answers 60020 with the realistic errmsg on gettoken and every API of the corp', async () => {
    const token = await fetchToken();
    sim.wecom.setTrustedIpCheck(CORP, '203.0.113.9');
    const expected = {
      errcode: 60020,
      errmsg: expect.stringMatching(
        /^not allow to access from your ip, hint: \[\d{10}_\d+_[0-9a-f]+\], from ip: 203\.0\.113\.9, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=60020$/,
      ),
    };
    expect((await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json).toEqual(expected);
    expect((await send(token, textBody('hi'))).json).toEqual(expected);
    expect((await get(`/cgi-bin/media/get?access_token=${token}&media_id=x`)).json).toEqual(expected);
    expect(sim.wecom.sentMessages()).toHaveLength(0);
    sim.wecom.clearTrustedIpCheck(CORP);
    expect((await send(token, textBody('hi'))).json['errcode']).toBe(0);
  });

  it('is also served under the /wecom prefix', async () => {
    expect((await get(`/wecom/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json['errcode']).toBe(0);
  });
});

describe('token lifecycle', () => {
  it('revokeTokens → 40014 for existing tokens, new tokens work', async () => {
    const old = await fetchToken();
    expect(sim.wecom.revokeTokens(CORP)).toBe(1);
    expect((await send(old, textBody('x'))).json).toEqual({ errcode: 40014, errmsg: 'invalid access_token' });
    const fresh = await fetchToken();
    expect((await send(fresh, textBody('x'))).json['errcode']).toBe(0);
  });

  it('expireTokens → 42001', async () => {
    const old = await fetchToken();
    sim.wecom.expireTokens(CORP);
    expect((await send(old, textBody('x'))).json).toEqual({ errcode: 42001, errmsg: 'access_token expired' });
  });

  it('re-registering an app voids its old tokens', async () => {
    const old = await fetchToken();
    sim.wecom.addApp({ corpId: CORP, agentId: AGENT, secret: 'rotated' });
    expect((await send(old, textBody('x'))).json['errcode']).toBe(40014);
    expect((await send(await fetchToken(CORP, 'rotated'), textBody('x'))).json['errcode']).toBe(0);
  });

  it('missing token → 41001, unknown token → 40014', async () => {
    expect((await post('/cgi-bin/message/send', textBody('x'))).json).toEqual({ errcode: 41001, errmsg: 'access_token missing' });
    expect((await send('not-a-token', textBody('x'))).json['errcode']).toBe(40014);
  });

  it('can append WeCom hint suffixes to errmsgs', async () => {
    sim.wecom.configure({ errmsgHints: true });
    const { json } = await get('/cgi-bin/gettoken?corpid=nope&corpsecret=x');
    expect(json['errmsg']).toMatch(/^invalid corpid, hint: \[.+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40013$/);
  });
});

describe('message/send', () => {
  it('accepts a valid text message and records it', async () => {
    const token = await fetchToken();
    const body = textBody('你好 😀', { safe: 0, enable_duplicate_check: 0 });
    const a = await send(token, body);
    const b = await send(token, body);
    expect(a.json).toEqual({ errcode: 0, errmsg: 'ok', invaliduser: '', msgid: expect.any(String) });
    expect(a.json['msgid']).not.toBe(b.json['msgid']);
    const recorded = sim.wecom.sentMessages(CORP);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toEqual({ corpId: CORP, agentId: AGENT, body, msgid: a.json['msgid'], at: expect.any(Date), arrivedAt: expect.any(Number) });
    expect(sim.wecom.sentMessages('other')).toEqual([]);
  });

  it('accepts agentid as a numeric string and recipients via toparty/totag only', async () => {
    const token = await fetchToken();
    expect((await send(token, { toparty: '2|3', msgtype: 'markdown', agentid: String(AGENT), markdown: { content: '**hi**' } })).json['errcode']).toBe(0);
    expect((await send(token, { totag: '1', msgtype: 'text', agentid: AGENT, text: { content: 'x' } })).json['errcode']).toBe(0);
  });

  it.each([
    ['wrong agentid', textBody('x', { agentid: 999 }), 40056, 'invalid agentid'],
    ['missing agentid', { touser: 'u', msgtype: 'text', text: { content: 'x' } }, 41011, 'missing agentid'],
    ['unknown msgtype', textBody('x', { msgtype: 'sticker' }), 40008, 'invalid message type'],
    ['no recipients', { msgtype: 'text', agentid: AGENT, text: { content: 'x' } }, 82001, 'All touser & toparty & totag invalid'],
    ['blank recipients', textBody('x', { touser: '', toparty: ' ' }), 82001, 'All touser & toparty & totag invalid'],
    ['non-string touser', textBody('x', { touser: ['a'] }), 40035, 'invalid parameter'],
    ['empty content', textBody(''), 44004, 'empty content'],
    ['missing text object', { touser: 'u', msgtype: 'text', agentid: AGENT }, 44004, 'empty content'],
    ['content over 2048 bytes', textBody('中'.repeat(683)), 45002, 'content size out of limit'],
    ['markdown over 2048 bytes', { touser: 'u', msgtype: 'markdown', agentid: AGENT, markdown: { content: 'a'.repeat(2049) } }, 45002, 'content size out of limit'],
    ['image without media_id', { touser: 'u', msgtype: 'image', agentid: AGENT, image: {} }, 41006, 'media_id missing'],
    ['image with unknown media_id', { touser: 'u', msgtype: 'image', agentid: AGENT, image: { media_id: 'nope' } }, 40007, 'invalid media_id'],
    ['textcard without description', { touser: 'u', msgtype: 'textcard', agentid: AGENT, textcard: { title: 't', url: 'https://x' } }, 41033, 'missing description'],
    ['news with 9 articles', { touser: 'u', msgtype: 'news', agentid: AGENT, news: { articles: Array(9).fill({ title: 't', url: 'https://x' }) } }, 45008, 'article size out of limit'],
    ['news article without url', { touser: 'u', msgtype: 'news', agentid: AGENT, news: { articles: [{ title: 't' }] } }, 41010, 'missing url'],
    ['template_card with bad card_type', { touser: 'u', msgtype: 'template_card', agentid: AGENT, template_card: { card_type: 'x' } }, 40035, 'invalid parameter'],
    ['a JSON array', [1, 2], 47001, 'data format error'],
  ])('rejects %s', async (_name, body, errcode, errmsg) => {
    const token = await fetchToken();
    const res = await send(token, body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ errcode, errmsg });
    expect(sim.wecom.sentMessages()).toHaveLength(0);
    const [call] = sim.wecom.calls('message/send');
    expect(call).toMatchObject({ errcode, errmsg, tenant: CORP, body, faulted: false });
  });

  it('rejects invalid JSON (47001) and an empty body (44002)', async () => {
    const token = await fetchToken();
    expect((await send(token, '{"touser":')).json['errcode']).toBe(47001);
    const empty = await fetch(`${sim.url}/cgi-bin/message/send?access_token=${token}`, { method: 'POST' });
    expect(((await empty.json()) as Json)['errcode']).toBe(44002);
  });

  it('counts UTF-8 bytes: exactly 2048 bytes pass', async () => {
    const token = await fetchToken();
    const content = '中'.repeat(682) + 'ab'; // 2046 + 2 bytes
    expect(Buffer.byteLength(content)).toBe(2048);
    expect((await send(token, textBody(content))).json['errcode']).toBe(0);
  });

  it("truncates instead when textOverLimit is 'truncate' (the documented platform behaviour)", async () => {
    sim.wecom.configure({ textOverLimit: 'truncate' });
    const token = await fetchToken();
    expect((await send(token, textBody('中'.repeat(700)))).json['errcode']).toBe(0);
    const [msg] = sim.wecom.sentMessages();
    expect(msg.truncated).toBe(true);
    expect((msg.body['text'] as Json)['content']).toBe('中'.repeat(682));
  });

  it('accepts other message types with valid payloads', async () => {
    const token = await fetchToken();
    const mediaId = sim.wecom.addMedia(CORP, { bytes: 'pngbytes', contentType: 'image/png', fileName: 'a.png' });
    const bodies: Json[] = [
      { touser: 'u', msgtype: 'image', agentid: AGENT, image: { media_id: mediaId } },
      { touser: 'u', msgtype: 'file', agentid: AGENT, file: { media_id: mediaId } },
      { touser: 'u', msgtype: 'textcard', agentid: AGENT, textcard: { title: 't', description: 'd', url: 'https://x', btntxt: 'More' } },
      { touser: 'u', msgtype: 'news', agentid: AGENT, news: { articles: [{ title: 't', url: 'https://x' }, { title: 'mini', appid: 'wx1', pagepath: 'p' }] } },
      { touser: 'u', msgtype: 'mpnews', agentid: AGENT, mpnews: { articles: [{ title: 't', thumb_media_id: mediaId, content: '<p>x</p>' }] } },
      { touser: 'u', msgtype: 'template_card', agentid: AGENT, template_card: { card_type: 'text_notice', main_title: { title: 't' } } },
    ];
    for (const body of bodies) expect((await send(token, body)).json).toMatchObject({ errcode: 0 });
    expect(sim.wecom.sentMessages().map((m) => m.body['msgtype'])).toEqual(['image', 'file', 'textcard', 'news', 'mpnews', 'template_card']);
  });
});

describe('fault scripts', () => {
  it('answers 42001 from call 3 on', async () => {
    const token = await fetchToken();
    sim.wecom.script({ api: 'message/send', fromCall: 3, errcode: 42001 });
    const codes: unknown[] = [];
    for (let i = 0; i < 5; i++) codes.push((await send(token, textBody(`m${i}`))).json['errcode']);
    expect(codes).toEqual([0, 0, 42001, 42001, 42001]);
    expect(sim.wecom.sentMessages()).toHaveLength(2);
    expect(sim.wecom.calls('message/send').map((c) => c.faulted)).toEqual([false, false, true, true, true]);
    expect(sim.wecom.callCount('message/send')).toBe(5);
  });

  it('with count 1 only call 3 fails, with the known errmsg', async () => {
    const token = await fetchToken();
    sim.wecom.script({ api: 'message/send', fromCall: 3, count: 1, errcode: 42001 });
    const answers: Json[] = [];
    for (let i = 0; i < 5; i++) answers.push((await send(token, textBody(`m${i}`))).json);
    expect(answers.map((a) => a['errcode'])).toEqual([0, 0, 42001, 0, 0]);
    expect(answers[2]).toEqual({ errcode: 42001, errmsg: 'access_token expired' });
  });

  it('counts calls since the last reset, also those before the script was added', async () => {
    await fetchToken();
    await fetchToken();
    await fetchToken();
    sim.wecom.script({ api: 'gettoken', fromCall: 2, count: 1, errcode: -1, errmsg: 'system busy' });
    expect((await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json).toEqual({ errcode: -1, errmsg: 'system busy' });
    expect((await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json['errcode']).toBe(0);
    sim.reset();
    expect(sim.wecom.callCount('gettoken')).toBe(0);
    expect(sim.wecom.faults()).toEqual([]);
  });

  it('answers a non-200 HTTP status', async () => {
    sim.wecom.script({ api: 'gettoken', fromCall: 1, count: 1, httpStatus: 502 });
    const res = await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('502');
    sim.wecom.script({ api: 'gettoken', fromCall: 1, count: 1, httpStatus: 503, errcode: -1 });
    const res2 = await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
    expect(res2.status).toBe(503);
    expect(await res2.json()).toEqual({ errcode: -1, errmsg: 'system busy' });
    expect(sim.wecom.calls('gettoken').map((c) => c.httpStatus)).toEqual([502, 503]);
  });

  it('delays answers (delay-only scripts still handle the call normally)', async () => {
    const token = await fetchToken();
    sim.wecom.script({ api: 'message/send', fromCall: 1, count: 1, delayMs: 250 });
    const started = Date.now();
    const res = await send(token, textBody('slow'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(res.json['errcode']).toBe(0);
    expect(sim.wecom.sentMessages()).toHaveLength(1);
    expect(sim.wecom.faults()).toEqual([{ api: 'message/send', fromCall: 1, count: 1, delayMs: 250, remaining: 0 }]);
  });

  it('delays and then fails when both are scripted', async () => {
    sim.wecom.script({ api: 'gettoken', fromCall: 1, delayMs: 100, errcode: 45009 });
    const started = Date.now();
    const res = await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(res.json).toEqual({ errcode: 45009, errmsg: 'api freq out of limit' });
    sim.wecom.clearScripts('gettoken');
    sim.wecom.script({ api: 'gettoken', fromCall: 1, errcode: 12345 });
    expect((await get(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).json).toEqual({ errcode: 12345, errmsg: 'simulated error' });
  });
});

describe('media', () => {
  it('round-trips an upload through media/get', async () => {
    const token = await fetchToken();
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 13, 10]);
    const form = new FormData();
    form.append('media', new Blob([bytes], { type: 'image/png' }), '截图 1.png');
    const up = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=${token}&type=image`, { method: 'POST', body: form });
    const upJson = (await up.json()) as Json;
    expect(upJson).toEqual({ errcode: 0, errmsg: 'ok', type: 'image', media_id: expect.any(String), created_at: expect.stringMatching(/^\d{10}$/) });
    const mediaId = upJson['media_id'] as string;
    expect(sim.wecom.media(mediaId)).toMatchObject({ corpId: CORP, type: 'image', fileName: '截图 1.png', source: 'upload' });

    const down = await fetch(`${sim.url}/cgi-bin/media/get?access_token=${token}&media_id=${encodeURIComponent(mediaId)}`);
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('image/png');
    const disposition = down.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="[^"]+\.png"/);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('截图 1.png')}`);
    expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('accepts the hand-written multipart body of the WeCom doc', async () => {
    const token = await fetchToken();
    const body =
      '--acebdf13572468\r\nContent-Disposition: form-data; name="media";filename="wework.txt"; filelength=6\r\n' +
      'Content-Type: application/octet-stream\r\n\r\nmytext\r\n--acebdf13572468--\r\n';
    const res = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=${token}&type=file`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=acebdf13572468' },
      body,
    });
    const json = (await res.json()) as Json;
    expect(json).toMatchObject({ errcode: 0, type: 'file' });
    expect(sim.wecom.media(json['media_id'] as string)?.bytes.toString()).toBe('mytext');
  });

  it('rejects bad uploads', async () => {
    const token = await fetchToken();
    const upload = async (type: string, field: string, data: string): Promise<Json> => {
      const form = new FormData();
      form.append(field, new Blob([data]), 'f.bin');
      const res = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form });
      return (await res.json()) as Json;
    };
    expect((await upload('sticker', 'media', 'abcdefgh'))['errcode']).toBe(40004);
    expect((await upload('file', 'other', 'abcdefgh'))['errcode']).toBe(44001);
    expect((await upload('file', 'media', 'abc'))['errcode']).toBe(40006);
    const notMultipart = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=${token}&type=file`, { method: 'POST', body: 'plain' });
    expect(((await notMultipart.json()) as Json)['errcode']).toBe(44001);
  });

  it('serves test-created media; unknown, expired and foreign ids answer 40007', async () => {
    const token = await fetchToken();
    const mediaId = sim.wecom.addMedia(CORP, { bytes: Buffer.from('voice-bytes'), contentType: 'audio/amr', fileName: 'v.amr' });
    const ok = await fetch(`${sim.url}/cgi-bin/media/get?access_token=${token}&media_id=${mediaId}`);
    expect(ok.headers.get('content-type')).toBe('audio/amr');
    expect(await ok.text()).toBe('voice-bytes');

    expect((await get(`/cgi-bin/media/get?access_token=${token}&media_id=unknown`)).json).toEqual({ errcode: 40007, errmsg: 'invalid media_id' });
    expect((await get(`/cgi-bin/media/get?access_token=${token}`)).json['errcode']).toBe(41006);

    sim.wecom.addApp({ corpId: 'wwother', agentId: 1, secret: 's2' });
    const foreign = sim.wecom.addMedia('wwother', { bytes: 'x'.repeat(10), contentType: 'text/plain', fileName: 'x.txt' });
    expect((await get(`/cgi-bin/media/get?access_token=${token}&media_id=${foreign}`)).json['errcode']).toBe(40007);

    expect(sim.wecom.expireMedia(mediaId)).toBe(true);
    expect((await get(`/cgi-bin/media/get?access_token=${token}&media_id=${mediaId}`)).json['errcode']).toBe(40007);
    expect(() => sim.wecom.addMedia('unknown-corp', { bytes: 'x', contentType: 'text/plain', fileName: 'x' })).toThrow(/unknown corpId/);
  });

  it('checks the token on media APIs too', async () => {
    expect((await get('/cgi-bin/media/get?media_id=x')).json['errcode']).toBe(41001);
    const res = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=bad&type=image`, { method: 'POST', body: 'x' });
    expect(((await res.json()) as Json)['errcode']).toBe(40014);
  });
});

describe('addApp', () => {
  it('resolves token and key, validates input and replaces by corpId + agentId', () => {
    const app = sim.wecom.addApp({ corpId: 'wwnew', agentId: '42', secret: 's' });
    expect(app).toEqual({ corpId: 'wwnew', agentId: 42, secret: 's', token: expect.stringMatching(/^[A-Za-z0-9]{32}$/), encodingAesKey: expect.stringMatching(/^[A-Za-z0-9]{43}$/), tokenTtlSeconds: 7200 });
    sim.wecom.addApp({ corpId: 'wwnew', agentId: 42, secret: 's2' });
    expect(sim.wecom.getApp('wwnew')?.secret).toBe('s2');
    expect(() => sim.wecom.addApp({ corpId: 'x', agentId: 1, secret: 's', encodingAesKey: 'short' })).toThrow(/encodingAesKey/);
    expect(() => sim.wecom.addApp({ corpId: 'x', agentId: 'abc', secret: 's' })).toThrow(/agentId/);
    expect(() => sim.wecom.addApp({ corpId: '', agentId: 1, secret: 's' })).toThrow(/corpId/);
  });
});

describe('agent/get', () => {
  it("answers the token's own app, 40056 for an unknown agentid, 60011 for another app of the corp, 41011 without agentid", async () => {
    sim.wecom.addApp({ corpId: CORP, agentId: 1000003, secret: 'other-secret' });
    const token = await fetchToken();
    const own = await get(`/cgi-bin/agent/get?access_token=${encodeURIComponent(token)}&agentid=${AGENT}`);
    expect(own.json).toMatchObject({ errcode: 0, errmsg: 'ok', agentid: AGENT, name: expect.any(String) });
    expect((await get(`/cgi-bin/agent/get?access_token=${encodeURIComponent(token)}&agentid=999`)).json['errcode']).toBe(40056);
    expect((await get(`/cgi-bin/agent/get?access_token=${encodeURIComponent(token)}&agentid=1000003`)).json['errcode']).toBe(60011);
    expect((await get(`/cgi-bin/agent/get?access_token=${encodeURIComponent(token)}&agentid=abc`)).json['errcode']).toBe(40056);
    expect((await get(`/cgi-bin/agent/get?access_token=${encodeURIComponent(token)}`)).json['errcode']).toBe(41011);
    expect(sim.wecom.callCount('agent/get')).toBe(5);
  });

  it('checks the token and the trusted IP like every API', async () => {
    expect((await get(`/cgi-bin/agent/get?agentid=${AGENT}`)).json['errcode']).toBe(41001);
    const token = await fetchToken();
    sim.wecom.setTrustedIpCheck(CORP, '203.0.113.7');
    const blocked = await get(`/cgi-bin/agent/get?access_token=${encodeURIComponent(token)}&agentid=${AGENT}`);
    expect(blocked.json['errcode']).toBe(60020);
    expect(blocked.json['errmsg']).toContain('from ip: 203.0.113.7');
  });
});

describe('media/upload with a FormData body (as Node fetch sends it)', () => {
  it('stores the file under its filename and content type', async () => {
    const token = await fetchToken();
    const form = new FormData();
    form.append('media', new Blob([Buffer.from('PNG-bytes-0123')], { type: 'image/png' }), '图片 a.png');
    const res = await fetch(`${sim.url}/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=image`, { method: 'POST', body: form });
    const json = (await res.json()) as Json;
    expect(json).toMatchObject({ errcode: 0, type: 'image', media_id: expect.any(String) });
    const media = sim.wecom.media(json['media_id'] as string);
    expect(media?.bytes.toString()).toBe('PNG-bytes-0123');
    expect(media?.contentType).toBe('image/png');
    expect(media?.fileName).toBe('图片 a.png');
  });
});

describe('message/send enable_duplicate_check', () => {
  it('accepts but does not deliver the same content again within the interval; without the flag it delivers', async () => {
    const token = await fetchToken();
    const dup = textBody('第一部分', { enable_duplicate_check: 1 });
    expect((await send(token, dup)).json).toMatchObject({ errcode: 0, msgid: expect.any(String) });
    expect((await send(token, dup)).json).toMatchObject({ errcode: 0, msgid: expect.any(String) });
    expect((await send(token, textBody('第二部分', { enable_duplicate_check: 1 }))).json['errcode']).toBe(0);
    expect((await send(token, textBody('第一部分', { enable_duplicate_check: 1, touser: 'lisi' }))).json['errcode']).toBe(0);
    expect((await send(token, textBody('第一部分'))).json['errcode']).toBe(0);
    const delivered = sim.wecom.sentMessages(CORP).map((m) => [m.body['touser'], (m.body['text'] as { content: string }).content]);
    expect(delivered).toEqual([
      ['zhangsan', '第一部分'],
      ['zhangsan', '第二部分'],
      ['lisi', '第一部分'],
      ['zhangsan', '第一部分'],
    ]);
    expect(sim.wecom.suppressedMessages(CORP)).toHaveLength(1);
  });

  it('forgets after duplicate_check_interval', async () => {
    const token = await fetchToken();
    const body = textBody('x', { enable_duplicate_check: 1, duplicate_check_interval: 1 });
    await send(token, body);
    await new Promise((r) => setTimeout(r, 1_050));
    await send(token, body);
    expect(sim.wecom.sentMessages(CORP)).toHaveLength(2);
  });
});

describe('message/send arrival times and counts', () => {
  it('records when each request arrived (sub-millisecond, within the whole-millisecond `at`) and counts deliveries without copying them', async () => {
    const token = await fetchToken();
    const before = performance.timeOrigin + performance.now();
    await send(token, textBody('一'));
    await send(token, textBody('二'));
    await send(token, textBody('三', { enable_duplicate_check: 1 }));
    await send(token, textBody('三', { enable_duplicate_check: 1 }));
    const after = performance.timeOrigin + performance.now();
    const sent = sim.wecom.sentMessages(CORP);
    expect(sent).toHaveLength(3);
    expect(sim.wecom.sentCount(CORP)).toBe(3);
    expect(sim.wecom.sentCount('other')).toBe(0);
    expect(sim.wecom.sentCount()).toBe(3);
    const arrivals = sent.map((m) => m.arrivedAt!);
    expect(arrivals.every((t, i) => t >= before && t <= after && (i === 0 || t > arrivals[i - 1]!))).toBe(true);
    for (const m of sent) expect(Math.abs(m.arrivedAt! - m.at.getTime())).toBeLessThan(50);
    // The duplicate check still compares against the earlier delivery of the same content.
    expect(sim.wecom.suppressedMessages(CORP)).toHaveLength(1);
  });
});
