import { wxEncrypt, wxSignature, decodeEncodingAesKey } from '@imbridge/crypto';
import { CallbackRejected, type CallbackContext, type CallbackRequest } from '@imbridge/platform-core';
import { KF_CONFIG } from './kf-test-fakes';
import { KF_NOTIFY_EVENT, kfNotifyDedupeKey, kfNotifyFromEvent, WecomKfCallbackHandler } from './wecom-kf.callback-handler';

// Doc 90968 vector A (shared/protocols/wecom-mp.md §1 "Vectors" A1): token QDG6eK, corp wx5823bf96d3bd56c7.
const ctx = (replayToleranceSeconds = 0): CallbackContext => ({
  integrationId: 'i1',
  config: KF_CONFIG,
  replayToleranceSeconds,
  now: new Date(1348831860 * 1000 + 5000),
});

const get = (query: Record<string, string>): CallbackRequest => ({ method: 'GET', query, headers: {}, rawBody: Buffer.alloc(0) });

// The kf notification exactly as doc 94670 shows it (§5.1), ToUserName set to our corp.
const NOTIFY_XML =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR]]></Token><OpenKfId><![CDATA[wkxxxxxxx]]></OpenKfId></xml>';

function post(plainXml: string, opts: { receiveId?: string; tamper?: boolean } = {}): CallbackRequest {
  const encrypt = wxEncrypt(decodeEncodingAesKey(KF_CONFIG.encodingAesKey), plainXml, opts.receiveId ?? KF_CONFIG.corpId);
  const timestamp = '1348831860';
  const nonce = '1372623149';
  let sig = wxSignature(KF_CONFIG.token, timestamp, nonce, encrypt);
  if (opts.tamper) sig = sig.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  return {
    method: 'POST',
    query: { msg_signature: sig, timestamp, nonce },
    headers: {},
    rawBody: Buffer.from(`<xml><ToUserName><![CDATA[${KF_CONFIG.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`),
  };
}

const rejected = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackRejected) return err.reason;
    throw err;
  }
  throw new Error('not rejected');
};

describe('WecomKfCallbackHandler', () => {
  const handler = new WecomKfCallbackHandler();

  it('answers URL verification with the decrypted echostr (doc 90968 vector A1)', () => {
    const out = handler.handle(
      get({
        msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
        timestamp: '1409659589',
        nonce: '263014780',
        echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
      }),
      ctx(),
    );
    expect(out).toEqual({ kind: 'reply', reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: '1616140317555161061' }, diagnostic: 'url-verification' });
  });

  it('refuses a URL verification with a wrong signature before decrypting', () => {
    const reason = rejected(() =>
      handler.handle(get({ msg_signature: '0'.repeat(40), timestamp: '1409659589', nonce: '263014780', echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==' }), ctx()),
    );
    expect(reason).toBe('signature-mismatch');
  });

  it('turns the kf_msg_or_event notification (doc 94670) into a pull event with a token-based dedupe key', () => {
    const out = handler.handle(post(NOTIFY_XML), ctx(600));
    expect(out.kind).toBe('events');
    if (out.kind !== 'events') return;
    expect(out.reply.body).toBe('');
    expect(out.events).toHaveLength(1);
    const [event] = out.events;
    expect(event?.dedupeKey).toBe('kf:notify:wkxxxxxxx:ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR:1348831860');
    expect(event?.conversationKey).toBe('kf:wkxxxxxxx');
    expect(event?.message.event).toEqual({ name: KF_NOTIFY_EVENT });
    expect(kfNotifyFromEvent(event!.message)).toEqual({ kind: 'kf-notify', openKfId: 'wkxxxxxxx', token: 'ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR', createTime: 1348831860 });
    expect(kfNotifyDedupeKey({ openKfId: 'wkxxxxxxx', token: 'T', createTime: 1 })).toBe('kf:notify:wkxxxxxxx:T:1');
  });

  it('gives a retried notification the same dedupe key, and a new token or time a different one', () => {
    const a = handler.handle(post(NOTIFY_XML), ctx());
    const b = handler.handle(post(NOTIFY_XML), ctx());
    const c = handler.handle(post(NOTIFY_XML.replace('ENCApHxn', 'ENCBpHxn')), ctx());
    const d = handler.handle(post(NOTIFY_XML.replace('1348831860', '1348831861')), ctx());
    const key = (o: typeof a): string | undefined => (o.kind === 'events' ? o.events[0]?.dedupeKey : undefined);
    expect(key(a)).toBe(key(b));
    expect(key(c)).not.toBe(key(a));
    expect(key(d)).not.toBe(key(a)); // same token, later notification: still pulled
  });

  it('refuses a tampered signature, a foreign receiveid and a stale timestamp', () => {
    expect(rejected(() => handler.handle(post(NOTIFY_XML, { tamper: true }), ctx()))).toBe('signature-mismatch');
    expect(rejected(() => handler.handle(post(NOTIFY_XML, { receiveId: 'wwffffffffffffffff' }), ctx()))).toBe('receive-id-mismatch');
    const late: CallbackContext = { ...ctx(600), now: new Date((1348831860 + 3600) * 1000) };
    expect(rejected(() => handler.handle(post(NOTIFY_XML), late))).toBe('timestamp-out-of-tolerance');
  });

  it('refuses a notification without Token, a DOCTYPE body, and missing parameters', () => {
    expect(rejected(() => handler.handle(post(NOTIFY_XML.replace(/<Token>.*<\/Token>/, '')), ctx()))).toBe('malformed-body');
    const doctype = post(NOTIFY_XML);
    doctype.rawBody = Buffer.from('<!DOCTYPE x [<!ENTITY e "x">]><xml><Encrypt>&e;</Encrypt></xml>');
    expect(rejected(() => handler.handle(doctype, ctx()))).toBe('malformed-body');
    expect(rejected(() => handler.handle({ ...post(NOTIFY_XML), query: {} }, ctx()))).toBe('missing-parameters');
  });

  it('passes another event of the same app through as a plain event', () => {
    const xml = '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event></xml>';
    const out = handler.handle(post(xml), ctx());
    expect(out.kind === 'events' && out.events[0]?.dedupeKey).toBe('event:sys:1348831860:change_contact');
    expect(out.kind === 'events' && kfNotifyFromEvent(out.events[0]!.message)).toBeUndefined();
  });
});
