import { decodeEncodingAesKey, wxDecryptFor } from '@imbridge/crypto';
import { startPlatformSim, type PlatformSim } from '../platform-sim';
import { startCallbackReceiver, type CallbackReceiver } from '../testing/callback-receiver.testing';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

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

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe('control API round trip', () => {
  it('registers an app, scripts faults, revokes tokens and lists messages over HTTP', async () => {
    const created = await call('POST', '/_sim/wecom/apps', { corpId: 'wwctl', agentId: '1000002', secret: 'sec', token: 'tok', encodingAesKey: AES_KEY });
    expect(created.status).toBe(201);
    expect(created.json['app']).toEqual({ corpId: 'wwctl', agentId: 1000002, secret: 'sec', token: 'tok', encodingAesKey: AES_KEY, tokenTtlSeconds: 7200 });

    const tok = await call('GET', '/cgi-bin/gettoken?corpid=wwctl&corpsecret=sec');
    const token = tok.json['access_token'] as string;
    const body = { touser: 'u', msgtype: 'text', agentid: 1000002, text: { content: 'via control' } };
    expect((await call('POST', `/cgi-bin/message/send?access_token=${token}`, body)).json['errcode']).toBe(0);

    const faults = await call('POST', '/_sim/wecom/faults', { api: 'message/send', fromCall: 2, count: 1, errcode: 45009 });
    expect(faults.status).toBe(201);
    expect(faults.json['faults']).toEqual([{ api: 'message/send', fromCall: 2, count: 1, errcode: 45009, remaining: 1 }]);
    expect((await call('POST', `/cgi-bin/message/send?access_token=${token}`, body)).json['errcode']).toBe(45009);

    const messages = await call('GET', '/_sim/wecom/messages?corpId=wwctl');
    expect(messages.json['messages']).toEqual([{ corpId: 'wwctl', agentId: 1000002, body, msgid: expect.any(String), at: expect.any(String), arrivedAt: expect.any(Number) }]);
    expect(((await call('GET', '/_sim/wecom/calls?api=message/send')).json['calls'] as Json[]).map((c) => c['errcode'])).toEqual([0, 45009]);
    // The same content again under the duplicate check: accepted, not delivered, listed as suppressed.
    const dup = { ...body, enable_duplicate_check: 1 };
    expect((await call('POST', `/cgi-bin/message/send?access_token=${token}`, dup)).json['errcode']).toBe(0);
    expect(((await call('GET', '/_sim/wecom/messages?corpId=wwctl')).json['messages'] as Json[]).length).toBe(1);
    expect((await call('GET', '/_sim/wecom/suppressed?corpId=wwctl')).json['messages']).toEqual([{ corpId: 'wwctl', agentId: 1000002, body: dup, msgid: '', at: expect.any(String) }]);
    expect((await call('GET', '/_sim/wecom/suppressed?corpId=other')).json['messages']).toEqual([]);

    expect((await call('POST', '/_sim/wecom/revoke', { corpId: 'wwctl', mode: 'expire' })).json).toEqual({ corpId: 'wwctl', mode: 'expire', affected: 1 });
    expect((await call('POST', `/cgi-bin/message/send?access_token=${token}`, body)).json['errcode']).toBe(42001);
    const token2 = (await call('GET', '/cgi-bin/gettoken?corpid=wwctl&corpsecret=sec')).json['access_token'] as string;
    await call('POST', '/_sim/wecom/revoke', { corpId: 'wwctl', mode: 'revoke' });
    expect((await call('POST', `/cgi-bin/message/send?access_token=${token2}`, body)).json['errcode']).toBe(40014);

    await call('POST', '/_sim/wecom/trusted-ip', { corpId: 'wwctl', ip: '198.51.100.7' });
    expect((await call('GET', '/cgi-bin/gettoken?corpid=wwctl&corpsecret=sec')).json['errmsg']).toContain('from ip: 198.51.100.7');
    await call('POST', '/_sim/wecom/trusted-ip', { corpId: 'wwctl', ip: null });
    expect((await call('GET', '/cgi-bin/gettoken?corpid=wwctl&corpsecret=sec')).json['errcode']).toBe(0);

    expect((await call('POST', '/_sim/reset')).json).toEqual({ ok: true });
    expect((await call('GET', '/_sim/wecom/messages')).json['messages']).toEqual([]);
    expect((await call('GET', '/cgi-bin/gettoken?corpid=wwctl&corpsecret=sec')).json['errcode']).toBe(40013);
  });

  it('pushes and verifies URLs over HTTP', async () => {
    await call('POST', '/_sim/wecom/apps', { corpId: 'wwpush', agentId: 5, secret: 's', token: 'tok', encodingAesKey: AES_KEY });
    receiver = await startCallbackReceiver((req) => {
      if (req.method === 'GET') {
        return { status: 200, body: wxDecryptFor(decodeEncodingAesKey(AES_KEY), req.query.get('echostr') ?? '', 'wwpush').toString() };
      }
      return { status: 200, body: '' };
    });
    const push = await call('POST', '/_sim/wecom/push', {
      callbackUrl: receiver.url,
      corpId: 'wwpush',
      message: { type: 'text', fromUser: 'u', content: 'hi' },
      deliveries: 2,
    });
    expect(push.status).toBe(200);
    expect(push.json).toMatchObject({ msgId: expect.stringMatching(/^\d+$/), innerXml: expect.stringContaining('<Content><![CDATA[hi]]></Content>') });
    expect((push.json['responses'] as Json[]).map((r) => r['status'])).toEqual([200, 200]);
    expect(receiver.requests).toHaveLength(2);

    const retry = await call('POST', '/_sim/wecom/push', {
      callbackUrl: receiver.url,
      corpId: 'wwpush',
      message: { type: 'event', fromUser: 'u', event: 'enter_agent' },
      retry: true,
      timeoutMs: 500,
    });
    expect(retry.json).toMatchObject({ acknowledged: true, dedupKey: expect.stringMatching(/^u\d{10}$/) });

    const verify = await call('POST', '/_sim/wecom/verify-url', { callbackUrl: receiver.url, corpId: 'wwpush' });
    expect(verify.json).toMatchObject({ status: 200 });
    expect(verify.json['body']).toBe(verify.json['expected']);
  });

  it('creates inbound media and changes settings over HTTP', async () => {
    await call('POST', '/_sim/wecom/apps', { corpId: 'wwm', agentId: 1, secret: 's' });
    const media = await call('POST', '/_sim/wecom/media', { corpId: 'wwm', base64: Buffer.from('hello world').toString('base64'), contentType: 'text/plain', fileName: 'a.txt' });
    expect(media.status).toBe(201);
    expect(sim.wecom.media(media.json['mediaId'] as string)?.bytes.toString()).toBe('hello world');
    expect((await call('POST', '/_sim/wecom/settings', { textOverLimit: 'truncate' })).json).toEqual({ settings: { textOverLimit: 'truncate', errmsgHints: false } });
    expect((await call('DELETE', '/_sim/wecom/faults')).json).toEqual({ faults: [] });
  });
});

describe('control API input errors', () => {
  it.each([
    ['POST', '/_sim/wecom/apps', '{not json', 400, 'invalid_json'],
    ['POST', '/_sim/wecom/apps', '[1,2]', 400, 'bad_request'],
    ['POST', '/_sim/wecom/apps', undefined, 400, 'invalid_json'],
    ['POST', '/_sim/wecom/apps', { corpId: 'x', agentId: 1 }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/apps', { corpId: 'x', agentId: 'one', secret: 's' }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/apps', { corpId: 'x', agentId: 1, secret: 's', encodingAesKey: 'short' }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/faults', { api: 'message/send', fromCall: 0, errcode: 1 }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/faults', { api: 'message/send', fromCall: 1 }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/revoke', { corpId: 'x', mode: 'nuke' }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/push', { callbackUrl: 'ftp://x', corpId: 'x', message: { type: 'text', fromUser: 'u', content: 'x' } }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/push', { callbackUrl: 'http://127.0.0.1:9/', corpId: 'x', message: { type: 'sticker', fromUser: 'u' } }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/push', { callbackUrl: 'http://127.0.0.1:9/', corpId: 'x', message: { type: 'event', fromUser: 'u', event: 'boom' } }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/push', { callbackUrl: 'http://127.0.0.1:9/', corpId: 'unknown', message: { type: 'text', fromUser: 'u', content: 'x' } }, 404, 'unknown_app'],
    ['POST', '/_sim/wecom/push', { callbackUrl: 'http://127.0.0.1:9/', corpId: 'x', message: { type: 'text', fromUser: 'u', content: 'x' }, deliveries: 0 }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/verify-url', { corpId: 'x' }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/media', { corpId: 'nope', base64: 'aGk=', contentType: 'text/plain', fileName: 'a' }, 404, 'unknown_app'],
    ['POST', '/_sim/wecom/media', { corpId: 'nope', base64: '***', contentType: 'text/plain', fileName: 'a' }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/settings', { textOverLimit: 'explode' }, 400, 'bad_request'],
    ['POST', '/_sim/wecom/decrypt-reply', { corpId: 'nope', body: '<xml/>' }, 404, 'unknown_app'],
    ['GET', '/_sim/nothing-here', undefined, 404, 'not_found'],
    ['GET', '/cgi-bin/unknown/api', undefined, 404, 'not_found'],
    ['GET', '/_sim/wecom/push', undefined, 405, 'method_not_allowed'],
    ['PUT', '/_sim/reset', '{}', 405, 'method_not_allowed'],
  ])('%s %s %j → %i %s', async (method, path, body, status, error) => {
    const res = await call(method, path, body);
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ error, message: expect.any(String) });
  });

  it('keeps serving after bad input', async () => {
    await call('POST', '/_sim/wecom/apps', '{');
    expect((await call('GET', '/_sim/health')).json).toEqual({ ok: true, platforms: ['wecom', 'wecom-kf', 'mp'] });
  });

  it('answers 422 when a passive reply does not open', async () => {
    await call('POST', '/_sim/wecom/apps', { corpId: 'wwr', agentId: 1, secret: 's' });
    const res = await call('POST', '/_sim/wecom/decrypt-reply', { corpId: 'wwr', body: 'success' });
    expect(res.status).toBe(422);
    expect(res.json['error']).toBe('bad_reply');
  });
});
