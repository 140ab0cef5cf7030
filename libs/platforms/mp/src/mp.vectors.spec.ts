import { CallbackRejected, parseSafeXml, xmlRoot, xmlText, type CallbackContext, type CallbackOutcome, type CallbackRequest, type InboundEvent } from '@imbridge/platform-core';
import { wxPlainSignature } from '@imbridge/crypto';
import { MpCallbackHandler } from './mp.callback-handler';
import { decryptMp } from './mp.callback';
import { encryptMpReplyXml } from './mp.reply';

/*
 * The official MP vectors of wecom-mp.md §1 (C1, C2, E) and the further official samples the notes
 * point to (the MP WXBizMsgCrypt Python sample = compatible mode, the C++ sample = safe mode),
 * as collected byte-for-byte in a Go test of the official samples (Java WXBizMsgCryptTest,
 * Python/C++ Sample, Open Platform 消息推送 doc). Every one goes through the callback handler.
 */
const MP_SAMPLE_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** C1/C2: Java WXBizMsgCryptTest.testAesEncrypt(2); signatures derived in the notes [V]. */
const C = {
  appId: 'wxb11529c136998cb6',
  token: 'pamtest',
  timestamp: '1409304348',
  nonce: 'xxxxxx',
  random: Buffer.from('aaaabbbbccccdddd'),
  c1: {
    msg: '我是中文abcd123',
    encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
    signature: '82c962d39941aa48552f90ef55aa323dc620cc10',
  },
  c2: {
    msg:
      '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
    encrypt:
      'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
    signature: 'ea88b765074e41eb8c7a75b449db34fa2fd560d5',
  },
};

/** Compatible mode: the official MP Python Sample.py (plain fields and Encrypt in one body). */
const COMPAT = {
  appId: 'wx2c2769f8efd9abc2',
  token: 'spamtest',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  body: '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>',
  decrypted:
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
};

/** Safe mode: the official MP C++ Sample.cpp. */
const SAFE = {
  appId: 'wx2c2769f8efd9abc2',
  token: 'spamtest',
  timestamp: '1410349438',
  nonce: '298025754',
  msgSignature: '003fee52ecc56afb46c00b5c7721be87860ce785',
  encrypt:
    'mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyGCwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxTFobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4=',
};

/**
 * E: the Open Platform 消息推送 end-to-end example (a push received on behalf of an MP; receiveid is
 * the component appid, configured here as the AppID). Key = 43 × 'A' (AES key of zero bytes), pad 22.
 */
const E = {
  appId: 'wx134c8103faa5a59e',
  token: 'AAAAA',
  key: 'A'.repeat(43),
  timestamp: '1715943329',
  nonce: '1590219412',
  signature: 'cc0c594499c1634947d5b502f158ee518947db27',
  msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  openid: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
  body: '<xml>\n    <ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n    <Encrypt><![CDATA[D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==]]></Encrypt>\n</xml>',
  msgLen: 292,
  reply: {
    msg: '<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>',
    random: Buffer.from('999951349e8ee746'),
    timestamp: '1713424427',
    nonce: '415670741',
    encrypt: 'hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7',
    msgSignature: '03e0812039325c2712ef5f0f980fd14c70d6e307',
  },
};

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
