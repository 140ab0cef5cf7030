import { decodeEncodingAesKey, wxEncrypt, wxPlainSignature, wxSignature } from '@imbridge/crypto';
import { CallbackRejected, type CallbackContext, type CallbackOutcome, type CallbackRejectReason, type CallbackRequest, type InboundEvent } from '@imbridge/platform-core';
import { MpCallbackHandler } from './mp.callback-handler';
import { verifyMpPlainSignature } from './mp.callback';

const APP_ID = 'wx0123456789abcdef';
const TOKEN = 'mpToken123';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const AES = decodeEncodingAesKey(KEY);
const NOW = 1_700_000_000;
const TS = String(NOW);
const NONCE = '1372623149';
const OPENID = 'oUser123';

const handler = new MpCallbackHandler();

function cfg(mode: 'plain' | 'compatible' | 'safe', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { appId: APP_ID, appSecret: 'b'.repeat(32), token: TOKEN, encodingAesKey: KEY, encryptionMode: mode, accountType: 'subscription', ...extra };
}

function ctx(config: Record<string, unknown>, replayToleranceSeconds = 600): CallbackContext {
  return { integrationId: 'int-1', config, replayToleranceSeconds, now: new Date(NOW * 1000) };
}

const TEXT_XML =
  `<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName>` +
  '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[00123 ]]]]><![CDATA[> 你好]]></Content><MsgId>24000000000000001</MsgId></xml>';

function plainPost(body: string, opts: { token?: string; timestamp?: string } = {}): CallbackRequest {
  const timestamp = opts.timestamp ?? TS;
  return {
    method: 'POST',
    query: { signature: wxPlainSignature(opts.token ?? TOKEN, timestamp, NONCE), timestamp, nonce: NONCE, openid: OPENID },
    headers: {},
    rawBody: Buffer.from(body, 'utf8'),
  };
}

function safePost(inner: string, opts: { receiveId?: string; plainFields?: string; token?: string } = {}): CallbackRequest {
  const encrypt = wxEncrypt(AES, inner, opts.receiveId ?? APP_ID, Buffer.from('0123456789abcdef'));
  const body = `<xml><ToUserName><![CDATA[gh_abc]]></ToUserName>${opts.plainFields ?? ''}<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  return {
    method: 'POST',
    query: {
      signature: wxPlainSignature(TOKEN, TS, NONCE),
      timestamp: TS,
      nonce: NONCE,
      openid: OPENID,
      encrypt_type: 'aes',
      msg_signature: wxSignature(opts.token ?? TOKEN, TS, NONCE, encrypt),
    },
    headers: {},
    rawBody: Buffer.from(body, 'utf8'),
  };
}

function reason(fn: () => unknown): CallbackRejectReason {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackRejected) return err.reason;
    throw err;
  }
  throw new Error('expected a CallbackRejected');
}

function event(outcome: CallbackOutcome): InboundEvent {
  if (outcome.kind !== 'events') throw new Error('expected events');
  return outcome.events[0] as InboundEvent;
}

describe('server-config GET verification', () => {
  const get = (query: Record<string, string>): CallbackRequest => ({ method: 'GET', query, headers: {}, rawBody: Buffer.alloc(0) });
  const signed = { signature: wxPlainSignature(TOKEN, TS, NONCE), timestamp: TS, nonce: NONCE };

  it.each(['plain', 'compatible', 'safe'] as const)('echoes echostr unchanged in %s mode', (mode) => {
    const echostr = 'a+b/c=d 中文';
    const outcome = handler.handle(get({ ...signed, echostr }), ctx(cfg(mode)));
    expect(outcome).toEqual({ kind: 'reply', reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: echostr }, diagnostic: 'server-verification' });
  });

  it('accepts an upper-case hex signature', () => {
    expect(verifyMpPlainSignature(TOKEN, TS, NONCE, signed.signature.toUpperCase())).toBe(true);
  });

  it('refuses a wrong signature, missing parameters and a stale timestamp', () => {
    expect(reason(() => handler.handle(get({ ...signed, signature: '0'.repeat(40), echostr: 'x' }), ctx(cfg('safe'))))).toBe('signature-mismatch');
    expect(reason(() => handler.handle(get({ ...signed }), ctx(cfg('safe'))))).toBe('missing-parameters');
    expect(reason(() => handler.handle(get({ timestamp: TS, nonce: NONCE, echostr: 'x' }), ctx(cfg('safe'))))).toBe('missing-parameters');
    const old = String(NOW - 3600);
    expect(reason(() => handler.handle(get({ signature: wxPlainSignature(TOKEN, old, NONCE), timestamp: old, nonce: NONCE, echostr: 'x' }), ctx(cfg('safe'))))).toBe('timestamp-out-of-tolerance');
    // 0 turns the check off.
    expect(handler.handle(get({ signature: wxPlainSignature(TOKEN, old, NONCE), timestamp: old, nonce: NONCE, echostr: 'x' }), ctx(cfg('safe'), 0)).kind).toBe('reply');
  });
});

describe('plain-mode POST', () => {
  it('verifies the signature and normalizes the body, text byte-for-byte', () => {
    const outcome = handler.handle(plainPost(TEXT_XML), ctx(cfg('plain', { encodingAesKey: undefined })));
    const ev = event(outcome);
    expect(ev.message.text).toBe('00123 ]]> 你好');
    expect(ev.dedupeKey).toBe('msg:24000000000000001');
    expect(outcome.reply.body).toBe('success');
    if (outcome.kind === 'events') expect(outcome.diagnostic).toBe('plain:text');
  });

  it('refuses another token\'s signature, a stale timestamp and hostile XML', () => {
    expect(reason(() => handler.handle(plainPost(TEXT_XML, { token: 'other' }), ctx(cfg('plain'))))).toBe('signature-mismatch');
    expect(reason(() => handler.handle(plainPost(TEXT_XML, { timestamp: String(NOW - 3600) }), ctx(cfg('plain'))))).toBe('timestamp-out-of-tolerance');
    const doctype = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${TEXT_XML}`;
    expect(reason(() => handler.handle(plainPost(doctype), ctx(cfg('plain'))))).toBe('malformed-body');
    expect(reason(() => handler.handle(plainPost('<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>'), ctx(cfg('plain'))))).toBe('malformed-body');
    expect(reason(() => handler.handle(plainPost('x'.repeat(70 * 1024)), ctx(cfg('plain'))))).toBe('malformed-body');
  });
});

describe('safe-mode POST', () => {
  it('verifies msg_signature over Encrypt, decrypts with receiveid = AppID', () => {
    const ev = event(handler.handle(safePost(TEXT_XML), ctx(cfg('safe'))));
    expect(ev.message).toMatchObject({ type: 'text', text: '00123 ]]> 你好', sender: { externalId: OPENID } });
  });

  it('refuses another AppID\'s message, a wrong msg_signature, a body without Encrypt or with two', () => {
    expect(reason(() => handler.handle(safePost(TEXT_XML, { receiveId: 'wxffffffffffffffff' }), ctx(cfg('safe'))))).toBe('receive-id-mismatch');
    expect(reason(() => handler.handle(safePost(TEXT_XML, { token: 'other' }), ctx(cfg('safe'))))).toBe('signature-mismatch');
    expect(reason(() => handler.handle(plainPost(TEXT_XML), ctx(cfg('safe'))))).toBe('missing-parameters');
    const noEncrypt = { ...plainPost(TEXT_XML), query: { ...plainPost(TEXT_XML).query, msg_signature: 'x' } };
    expect(reason(() => handler.handle(noEncrypt, ctx(cfg('safe'))))).toBe('malformed-body');
    const twice = safePost(TEXT_XML);
    const body = twice.rawBody.toString('utf8').replace('</xml>', '<Encrypt>x</Encrypt></xml>');
    expect(reason(() => handler.handle({ ...twice, rawBody: Buffer.from(body) }, ctx(cfg('safe'))))).toBe('malformed-body');
  });

  it('refuses an Encrypt that is not valid ciphertext (after a valid signature)', () => {
    const encrypt = Buffer.from('not a ciphertext').toString('base64');
    const req: CallbackRequest = {
      method: 'POST',
      query: { timestamp: TS, nonce: NONCE, msg_signature: wxSignature(TOKEN, TS, NONCE, encrypt) },
      headers: {},
      rawBody: Buffer.from(`<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`),
    };
    expect(reason(() => handler.handle(req, ctx(cfg('safe'))))).toBe('decrypt-failed');
  });

  it('refuses a decrypted message that is not a message (no FromUserName)', () => {
    expect(reason(() => handler.handle(safePost('<xml><MsgType>text</MsgType></xml>'), ctx(cfg('safe'))))).toBe('malformed-body');
  });
});

describe('compatible-mode POST', () => {
  it('uses the encrypted message, ignoring the plain copy', () => {
    const forged = `<FromUserName><![CDATA[attacker]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[forged]]></Content><MsgId>1</MsgId>`;
    const outcome = handler.handle(safePost(TEXT_XML, { plainFields: forged }), ctx(cfg('compatible')));
    const ev = event(outcome);
    expect(ev.message.text).toBe('00123 ]]> 你好');
    expect(ev.message.sender.externalId).toBe(OPENID);
    expect(ev.dedupeKey).toBe('msg:24000000000000001');
    if (outcome.kind === 'events') expect(outcome.diagnostic).toBe('compatible:text');
  });

  it('refuses a plain-only body (nothing signed)', () => {
    expect(reason(() => handler.handle({ ...plainPost(TEXT_XML), query: { ...plainPost(TEXT_XML).query, msg_signature: 'x' } }, ctx(cfg('compatible'))))).toBe('malformed-body');
  });
});

describe('configuration', () => {
  it('a compatible/safe integration without EncodingAESKey is a configuration error, not a platform rejection', () => {
    expect(() => handler.handle(safePost(TEXT_XML), ctx(cfg('safe', { encodingAesKey: '' })))).toThrow('encodingAesKey missing');
  });
});
