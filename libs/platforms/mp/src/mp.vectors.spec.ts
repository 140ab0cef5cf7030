import { CallbackRejected, parseSafeXml, xmlRoot, xmlText, type CallbackContext, type CallbackOutcome, type CallbackRequest, type InboundEvent } from '@imbridge/platform-core';
import { wxPlainSignature } from '@imbridge/crypto';
import { MpCallbackHandler } from './mp.callback-handler';
import { decryptMp } from './mp.callback';
import { encryptMpReplyXml } from './mp.reply';
import { MP_SAMPLE_KEY, MP_VECTOR_C, MP_VECTOR_COMPAT, MP_VECTOR_E, MP_VECTOR_SAFE } from './testing';

/* The official MP vectors (./testing.ts), every one through the callback handler. */
const C = MP_VECTOR_C;
const COMPAT = MP_VECTOR_COMPAT;
const SAFE = MP_VECTOR_SAFE;
const E = MP_VECTOR_E;

const handler = new MpCallbackHandler();

function config(v: { appId: string; token: string; key?: string }, mode: 'safe' | 'compatible' | 'plain'): Record<string, unknown> {
  return { appId: v.appId, appSecret: 'a'.repeat(32), token: v.token, encodingAesKey: v.key ?? MP_SAMPLE_KEY, encryptionMode: mode, accountType: 'service' };
}

/** The vectors are old: the context's clock is the vector's own time (the tolerance stays on). */
function ctxAt(timestamp: string, cfg: Record<string, unknown>): CallbackContext {
  return { integrationId: 'int-mp', config: cfg, replayToleranceSeconds: 600, now: new Date(Number(timestamp) * 1000) };
}

function post(query: Record<string, string>, body: string): CallbackRequest {
  return { method: 'POST', query, headers: { 'content-type': 'text/xml' }, rawBody: Buffer.from(body, 'utf8') };
}

function envelope(encrypt: string, toUser = 'gh_10f6c3c3ac5a'): string {
  return `<xml><ToUserName><![CDATA[${toUser}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
}

function onlyEvent(outcome: CallbackOutcome): InboundEvent {
  if (outcome.kind !== 'events') throw new Error(`expected events, got ${outcome.kind}`);
  expect(outcome.events).toHaveLength(1);
  expect(outcome.reply).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' });
  return outcome.events[0] as InboundEvent;
}

function rejection(fn: () => unknown): CallbackRejected {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackRejected) return err;
    throw err;
  }
  throw new Error('expected a CallbackRejected');
}

describe('official MP vector C1 (Java testAesEncrypt: a non-XML message)', () => {
  const cfg = config(C, 'safe');

  it('encrypts to the official ciphertext', () => {
    const xml = xmlRoot(parseSafeXml(encryptMpReplyXml({ appId: C.appId, token: C.token, encodingAesKey: MP_SAMPLE_KEY }, C.c1.msg, C.timestamp, C.nonce, C.random)));
    expect(xmlText(xml, 'Encrypt')).toBe(C.c1.encrypt);
    expect(xmlText(xml, 'MsgSignature')).toBe(C.c1.signature);
  });

  it('passes the handler\'s signature check and decryption, then is refused as not XML', () => {
    expect(decryptMp({ appId: C.appId, encodingAesKey: MP_SAMPLE_KEY }, C.c1.encrypt).toString('utf8')).toBe(C.c1.msg);
    const err = rejection(() => handler.handle(post({ msg_signature: C.c1.signature, timestamp: C.timestamp, nonce: C.nonce }, envelope(C.c1.encrypt)), ctxAt(C.timestamp, cfg)));
    expect(err.reason).toBe('malformed-body');
    expect(err.message).toContain('inner: ');
  });
});

describe('official MP vector C2 (Java testAesEncrypt2: a video reply XML)', () => {
  it('encrypts to the official ciphertext, signed as derived', () => {
    const xml = xmlRoot(parseSafeXml(encryptMpReplyXml({ appId: C.appId, token: C.token, encodingAesKey: MP_SAMPLE_KEY }, C.c2.msg, C.timestamp, C.nonce, C.random)));
    expect(xmlText(xml, 'Encrypt')).toBe(C.c2.encrypt);
    expect(xmlText(xml, 'MsgSignature')).toBe(C.c2.signature);
    expect(xmlText(xml, 'TimeStamp')).toBe(C.timestamp);
    expect(xmlText(xml, 'Nonce')).toBe(C.nonce);
  });

  it('goes through the handler in safe and compatible mode', () => {
    for (const mode of ['safe', 'compatible'] as const) {
      const ev = onlyEvent(handler.handle(post({ msg_signature: C.c2.signature, timestamp: C.timestamp, nonce: C.nonce, encrypt_type: 'aes' }, envelope(C.c2.encrypt)), ctxAt(C.timestamp, config(C, mode))));
      expect(ev.message.type).toBe('video');
      expect(ev.message.sender.externalId).toBe('gh_7f083739789a');
      expect(ev.message.extra?.['ToUserName']).toBe('oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw');
      expect(ev.dedupeKey).toBe('msg:gh_7f083739789a:1407743423:video');
    }
  });
});

describe('official MP compatible-mode sample (Python Sample.py)', () => {
  const cfg = config(COMPAT, 'compatible');
  const query = { msg_signature: COMPAT.msgSignature, timestamp: COMPAT.timestamp, nonce: COMPAT.nonce, encrypt_type: 'aes' };

  it('decrypts byte-for-byte (line breaks kept)', () => {
    const xml = xmlRoot(parseSafeXml(COMPAT.body));
    expect(decryptMp({ appId: COMPAT.appId, encodingAesKey: MP_SAMPLE_KEY }, xmlText(xml, 'Encrypt') ?? '').toString('utf8')).toBe(COMPAT.decrypted);
  });

  it('goes through the handler: the text message from the encrypted part', () => {
    const outcome = handler.handle(post(query, COMPAT.body), ctxAt(COMPAT.timestamp, cfg));
    const ev = onlyEvent(outcome);
    expect(ev.dedupeKey).toBe('msg:6054768590064713728');
    expect(ev.conversationKey).toBe('oyORnuP8q7ou2gfYjqLzSIWZf0rs');
    expect(ev.message).toMatchObject({ type: 'text', text: 'abcdteT', platformMessageId: '6054768590064713728', sentAt: new Date(1409735668000).toISOString() });
    if (outcome.kind === 'events') expect(outcome.diagnostic).toBe('compatible:text');
  });

  it('never takes the unsigned plain fields over the encrypted ones', () => {
    const forged = COMPAT.body
      .replace('<Content><![CDATA[abcdteT]]></Content>', '<Content><![CDATA[transfer all money]]></Content>')
      .replace('oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>', 'attacker]]></FromUserName>');
    const ev = onlyEvent(handler.handle(post(query, forged), ctxAt(COMPAT.timestamp, cfg)));
    expect(ev.message.text).toBe('abcdteT');
    expect(ev.message.sender.externalId).toBe('oyORnuP8q7ou2gfYjqLzSIWZf0rs');
  });

  it('is refused with another AppID (receiveid) and with a wrong signature', () => {
    expect(rejection(() => handler.handle(post(query, COMPAT.body), ctxAt(COMPAT.timestamp, { ...cfg, appId: 'wx0000000000000000' }))).reason).toBe('receive-id-mismatch');
    expect(rejection(() => handler.handle(post({ ...query, msg_signature: '0'.repeat(40) }, COMPAT.body), ctxAt(COMPAT.timestamp, cfg))).reason).toBe('signature-mismatch');
  });

  it('is refused in plain mode even with a valid `signature` (the account encrypts: our configuration is wrong)', () => {
    const signed = { ...query, signature: wxPlainSignature(COMPAT.token, COMPAT.timestamp, COMPAT.nonce) };
    const err = rejection(() => handler.handle(post(signed, COMPAT.body), ctxAt(COMPAT.timestamp, config(COMPAT, 'plain'))));
    expect(err.reason).toBe('malformed-body');
    expect(err.message).toContain('plain mode');
  });
});

describe('official MP safe-mode sample (C++ Sample.cpp)', () => {
  it('goes through the handler in safe mode', () => {
    const outcome = handler.handle(post({ msg_signature: SAFE.msgSignature, timestamp: SAFE.timestamp, nonce: SAFE.nonce, encrypt_type: 'aes' }, envelope(SAFE.encrypt)), ctxAt(SAFE.timestamp, config(SAFE, 'safe')));
    const ev = onlyEvent(outcome);
    expect(ev.dedupeKey).toBe('msg:6057404712141979648');
    expect(ev.message).toMatchObject({ type: 'text', text: 'abcdteT', sender: { externalId: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs' }, sentAt: new Date(1410349438000).toISOString() });
    expect(ev.message.extra?.['ToUserName']).toBe('gh_10f6c3c3ac5a');
    if (outcome.kind === 'events') expect(outcome.diagnostic).toMatch(/^safe:/);
  });
});

describe('official vector E (Open Platform 消息推送 example: key of 43 A, pad 22)', () => {
  const cfg = config({ appId: E.appId, token: E.token, key: E.key }, 'safe');
  const query = { signature: E.signature, timestamp: E.timestamp, nonce: E.nonce, openid: E.openid, encrypt_type: 'aes', msg_signature: E.msgSignature };

  it('goes through the handler in safe mode: the debug_demo event', () => {
    const plain = decryptMp({ appId: E.appId, encodingAesKey: E.key }, xmlText(xmlRoot(parseSafeXml(E.body)), 'Encrypt') ?? '');
    expect(plain.length).toBe(E.msgLen);
    const ev = onlyEvent(handler.handle(post(query, E.body), ctxAt(E.timestamp, cfg)));
    expect(ev.message).toMatchObject({ type: 'event', event: { name: 'debug_demo' }, sender: { externalId: E.openid } });
    expect(ev.message.extra).toMatchObject({ debug_str: 'hello world', ToUserName: 'gh_97417a04a28d' });
    expect(ev.dedupeKey).toBe(`event:${E.openid}:1715943329:debug_demo:`);
  });

  it('its plain `signature` verifies the server-config GET (echostr echoed as is)', () => {
    const echostr = '7162436217762917282';
    const outcome = handler.handle({ method: 'GET', query: { signature: E.signature, timestamp: E.timestamp, nonce: E.nonce, echostr }, headers: {}, rawBody: Buffer.alloc(0) }, ctxAt(E.timestamp, cfg));
    expect(outcome).toEqual({ kind: 'reply', reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: echostr }, diagnostic: 'server-verification' });
  });

  it('its reply encrypts to the official envelope values', () => {
    const xml = xmlRoot(parseSafeXml(encryptMpReplyXml({ appId: E.appId, token: E.token, encodingAesKey: E.key }, E.reply.msg, E.reply.timestamp, E.reply.nonce, E.reply.random)));
    expect(xmlText(xml, 'Encrypt')).toBe(E.reply.encrypt);
    expect(xmlText(xml, 'MsgSignature')).toBe(E.reply.msgSignature);
    expect(xmlText(xml, 'TimeStamp')).toBe(E.reply.timestamp);
    expect(xmlText(xml, 'Nonce')).toBe(E.reply.nonce);
    expect(decryptMp({ appId: E.appId, encodingAesKey: E.key }, E.reply.encrypt).toString('utf8')).toBe(E.reply.msg);
  });

  it('verifies msg_signature, not signature: a body signed only by `signature` is refused', () => {
    const { msg_signature: _unused, ...rest } = query;
    expect(rejection(() => handler.handle(post(rest, E.body), ctxAt(E.timestamp, cfg))).reason).toBe('missing-parameters');
  });

  it('a replay far outside the tolerance is refused after the signature check', () => {
    const late: CallbackContext = { ...ctxAt(E.timestamp, cfg), now: new Date((Number(E.timestamp) + 3600) * 1000) };
    expect(rejection(() => handler.handle(post(query, E.body), late)).reason).toBe('timestamp-out-of-tolerance');
  });
});
