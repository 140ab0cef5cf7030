import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { CryptoError } from './errors';
import {
  compareUtf8,
  decodeEncodingAesKey,
  pkcs7Pad,
  pkcs7Unpad,
  wxDecrypt,
  wxDecryptFor,
  wxEncrypt,
  wxEncryptReply,
  wxPlainSignature,
  wxReplyXml,
  wxSignature,
  wxVerifySignature,
} from './wx-biz-msg-crypt';

/** Asserts that fn throws a CryptoError with the given code (not a raw TypeError/OpenSSL error). */
function expectCryptoError(fn: () => unknown, code: CryptoError['code']): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  expect((thrown as CryptoError).code).toBe(code);
}

/** Pad value actually used by a ciphertext (decrypt without unpadding). */
function padOf(aesKey: Buffer, encryptB64: string): number {
  const d = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(encryptB64, 'base64')), d.final()]);
  return plain[plain.length - 1];
}

// Vector A: WeCom official sample (doc 90968 / 91144), wecom-mp.md §1 vectors.
const A = {
  token: 'QDG6eK',
  corpId: 'wx5823bf96d3bd56c7',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  aesKeyHex: '8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760',
};

// Vector C: MP official samples (Java WXBizMsgCryptTest).
const C = {
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  aesKeyHex: '69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051',
  appId: 'wxb11529c136998cb6',
  random: Buffer.from('aaaabbbbccccdddd'),
  token: 'pamtest',
  timestamp: '1409304348',
  nonce: 'xxxxxx',
};

// Vector E: Open Platform message-push doc (debug_demo example), pad 22.
const E = {
  token: 'AAAAA',
  encodingAesKey: 'A'.repeat(43),
  appId: 'wx134c8103faa5a59e',
  timestamp: '1715943329',
  nonce: '1590219412',
  signature: 'cc0c594499c1634947d5b502f158ee518947db27',
  msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  encrypt:
    'D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==',
  message:
    '<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n' +
    '<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n' +
    '<CreateTime>1715943329</CreateTime>\n' +
    '<MsgType><![CDATA[event]]></MsgType>\n' +
    '<Event><![CDATA[debug_demo]]></Event>\n' +
    '<debug_str><![CDATA[hello world]]></debug_str>\n' +
    '</xml>',
  reply: {
    message: '<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>',
    random: Buffer.from('999951349e8ee746'),
    timestamp: '1713424427',
    nonce: '415670741',
    encrypt:
      'hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7',
    msgSignature: '03e0812039325c2712ef5f0f980fd14c70d6e307',
  },
};

// wechatpy/wechatpy tests/test_crypto.py (WeCom flavour).
const W = {
  token: '123456',
  encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  corpId: 'wx49f0ab532d5d035a',
};

describe('decodeEncodingAesKey', () => {
  it('decodes the official WeCom and MP keys', () => {
    expect(decodeEncodingAesKey(A.encodingAesKey).toString('hex')).toBe(A.aesKeyHex);
    expect(decodeEncodingAesKey(C.encodingAesKey).toString('hex')).toBe(C.aesKeyHex);
    expect(decodeEncodingAesKey(E.encodingAesKey)).toEqual(Buffer.alloc(32));
  });

  it.each([
    ['42 chars', A.encodingAesKey.slice(1)],
    ['44 chars', A.encodingAesKey + 'A'],
    ['non-alnum char', A.encodingAesKey.slice(1) + '+'],
    ['trailing =', A.encodingAesKey.slice(1) + '='],
    ['empty', ''],
  ])('rejects %s with ILLEGAL_AES_KEY', (_name, key) => {
    expectCryptoError(() => decodeEncodingAesKey(key), 'ILLEGAL_AES_KEY');
  });
});

describe('signatures', () => {
  it('A1: URL-verify msg_signature', () => {
    const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
    expect(wxSignature(A.token, '1409659589', '263014780', echostr)).toBe('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3');
    expect(wxVerifySignature(A.token, '1409659589', '263014780', echostr, '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3')).toBe(true);
    expect(wxVerifySignature(A.token, '1409659589', '263014780', echostr, '5C45FF5E21C57E6AD56BAC8758B79B1D9AC89FD3')).toBe(true);
  });

  it('E: msg_signature (4 inputs) and plain signature (3 inputs) of the same push', () => {
    expect(wxSignature(E.token, E.timestamp, E.nonce, E.encrypt)).toBe(E.msgSignature);
    expect(wxPlainSignature(E.token, E.timestamp, E.nonce)).toBe(E.signature);
  });

  it('rejects a wrong signature, a wrong nonce, a truncated signature and a non-string', () => {
    const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
    const good = '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3';
    expect(wxVerifySignature(A.token, '1409659589', '263014781', echostr, good)).toBe(false);
    expect(wxVerifySignature(A.token, '1409659589', '263014780', echostr, good.replace('5c', '5d'))).toBe(false);
    expect(wxVerifySignature(A.token, '1409659589', '263014780', echostr, good.slice(0, 39))).toBe(false);
    expect(wxVerifySignature(A.token, '1409659589', '263014780', echostr, '')).toBe(false);
    expect(wxVerifySignature(A.token, '1409659589', '263014780', echostr, undefined as unknown as string)).toBe(false);
  });

  it('wechatpy: check_signature vector passes and the altered nonce fails', () => {
    const echostr = '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==';
    const sig = 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96';
    expect(wxVerifySignature(W.token, '1411443780', '437374425', echostr, sig)).toBe(true);
    expect(wxVerifySignature(W.token, '1411443780', '437374424', echostr, sig)).toBe(false);
  });

  it('sorts by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80) by bytes, but after it by UTF-16 units
    // (the emoji's high surrogate is 0xD83D), so a naive Array.sort() would give a different hash.
    const a = '\uFF5E';
    const b = '\u{1F600}';
    const sha1 = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex');
    expect(['n', 't', a, b].sort().join('')).toBe('nt' + b + a);
    expect(wxSignature(b, a, 'n', 't')).toBe(sha1('nt' + a + b));
    expect(wxSignature(b, a, 'n', 't')).not.toBe(sha1('nt' + b + a));
    expect(wxPlainSignature(b, 't', a)).toBe(sha1('t' + a + b));
  });
});

describe('pkcs7', () => {
  it('pads to a full block when aligned and round-trips every length', () => {
    expect(pkcs7Pad(Buffer.alloc(32), 32)).toEqual(Buffer.concat([Buffer.alloc(32), Buffer.alloc(32, 32)]));
    expect(pkcs7Pad(Buffer.alloc(31), 32)).toEqual(Buffer.concat([Buffer.alloc(31), Buffer.from([1])]));
    for (let n = 0; n <= 64; n++) {
      const data = Buffer.alloc(n, 0xab);
      const padded = pkcs7Pad(data, 32);
      expect(padded.length % 32).toBe(0);
      expect(pkcs7Unpad(padded, 32)).toEqual(data);
    }
  });

  it('rejects pad 0, pad 33, pad longer than the data, inconsistent pad bytes and empty input', () => {
    expectCryptoError(() => pkcs7Unpad(Buffer.concat([Buffer.alloc(31, 7), Buffer.from([0])]), 32), 'BAD_PADDING');
    expectCryptoError(() => pkcs7Unpad(Buffer.alloc(64, 33), 32), 'BAD_PADDING');
    expectCryptoError(() => pkcs7Unpad(Buffer.alloc(16, 17), 16), 'BAD_PADDING');
    expectCryptoError(() => pkcs7Unpad(Buffer.from([5, 5, 5]), 32), 'BAD_PADDING');
    const inconsistent = Buffer.alloc(32, 4);
    inconsistent[29] = 3; // one of the last four bytes differs
    expectCryptoError(() => pkcs7Unpad(inconsistent, 32), 'BAD_PADDING');
    expectCryptoError(() => pkcs7Unpad(Buffer.alloc(0), 32), 'BAD_PADDING');
  });

  it('rejects an invalid block size as a programming error', () => {
    expect(() => pkcs7Pad(Buffer.alloc(1), 0)).toThrow(RangeError);
    expect(() => pkcs7Unpad(Buffer.alloc(1, 1), 256)).toThrow(RangeError);
  });
});

describe('WeCom vector A', () => {
  const key = decodeEncodingAesKey(A.encodingAesKey);

  it('A1: decrypts the URL-verify echostr (pad 7)', () => {
    const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
    const d = wxDecrypt(key, echostr);
    expect(d.message.toString('utf8')).toBe('1616140317555161061');
    expect(d.random.toString('latin1')).toBe('c41b64491c2468d0');
    expect(d.receiveId).toBe(A.corpId);
    expect(Buffer.from(echostr, 'base64').length).toBe(64);
    expect(padOf(key, echostr)).toBe(7);
    expect(wxDecryptFor(key, echostr, A.corpId).toString('utf8')).toBe('1616140317555161061');
  });

  it('A1: the URL-encoded echostr decodes to the same value', () => {
    const wire = 'P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D';
    const echostr = new URLSearchParams(`echostr=${wire}`).get('echostr') as string;
    expect(wxDecryptFor(key, echostr, A.corpId).toString('utf8')).toBe('1616140317555161061');
  });

  it('A3: encrypts the C# sample reply (322 bytes, pad 24) and signs it', () => {
    const msg =
      '<xml><ToUserName><![CDATA[mycreate]]></ToUserName><FromUserName><![CDATA[wx582测试一下中文的情况，消息长度是按字节来算的396d3bd56c7]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>';
    expect(Buffer.byteLength(msg)).toBe(322);
    const expectedEncrypt =
      'ZA4HuQypHxnRrA+A6SOHGPGKjDb5q+nwz9RO52Xyo9RS/QjvUJhyTYqJVtK81gqQRiBCBMoH1wa+EKi85N7StcHzuNB6LkkQTEoLd9vbzUJIoHDUpvps0hxa55C4a1stWb1hMyfK9xLcSqW4hcNpTT7lVdIKPVX6ppdjPO+1hCROjS9+B+sCeInQLzWL/qT6GsJyy37igdISViGC+WRS3Ypyx/5PmfDemFunC/NYnlQ9S8+6xEPPwKAzQ/yD+mxZzbe5xHBoQDIIbZ0bySQPveqpQUHyDCfLl1R8JA/LaUBy92mRQ4kjrDjQ6XsnrxDpqHNyOCGJ2kTzpWJ96wH4ecWroM+/BJe89qChnsNdD3YX/G8SWpxCHcZnZ+GbQrAJhrWqoSD4nZQ0M/E+7O5S0FL+Y8mjPNaB59du6TYFrHcxzPo/NuCmHFIOEZzQn5v68joviqYGV9RaeFw49YvKOtVFICXA45qUvAQ4HuPU2F+kthlsCPuBvRvNVajKPAvE';
    const reply = wxEncryptReply(A.token, key, A.corpId, msg, '1409659813', '1372623149', Buffer.from('aaaabbbbccccdddd'));
    expect(reply).toEqual({
      encrypt: expectedEncrypt,
      msgSignature: '3391e8ff5778af21aa3fc869a9d0d12ed363e29c',
      timestamp: '1409659813',
      nonce: '1372623149',
    });
    expect(Buffer.from(reply.encrypt, 'base64').length).toBe(384);
    expect(padOf(key, reply.encrypt)).toBe(24);
    expect(wxDecryptFor(key, reply.encrypt, A.corpId).toString('utf8')).toBe(msg);
  });

  it('A4: full-block padding (pad = 32)', () => {
    const expected =
      'ZA4HuQypHxnRrA+A6SOHGEu2RuGNHVyGbGbkrkfRilc9OfI2jRC7RgbyqUG8oL87HHJIcWvR3xbsOUHvZv4IvXjjRHRYCnyuH97irWSeHzOxbVtQgfUTSPFqoV/flgWI';
    const enc = wxEncrypt(key, 'abcdefghijklmnopqrstuvwxyz', A.corpId, Buffer.from('aaaabbbbccccdddd'));
    expect(enc).toBe(expected);
    expect(Buffer.from(enc, 'base64').length).toBe(96);
    expect(padOf(key, enc)).toBe(32);
    expect(wxSignature(A.token, '1409659813', '1372623149', enc)).toBe('975a9370291b78792fa3510db794a71807904fde');
    const d = wxDecrypt(key, enc);
    expect(d.message.toString()).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(d.receiveId).toBe(A.corpId);
  });
});

describe('MP vector C', () => {
  const key = decodeEncodingAesKey(C.encodingAesKey);

  it('C1: Java testAesEncrypt and the derived signature', () => {
    const expected = 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==';
    expect(wxEncrypt(key, '我是中文abcd123', C.appId, C.random)).toBe(expected);
    expect(wxSignature(C.token, C.timestamp, C.nonce, expected)).toBe('82c962d39941aa48552f90ef55aa323dc620cc10');
    expect(wxDecryptFor(key, expected, C.appId).toString('utf8')).toBe('我是中文abcd123');
  });

  it('C2: Java testAesEncrypt2 and the derived signature', () => {
    const msg =
      '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>';
    const expected =
      'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb';
    expect(wxEncrypt(key, msg, C.appId, C.random)).toBe(expected);
    expect(wxSignature(C.token, C.timestamp, C.nonce, expected)).toBe('ea88b765074e41eb8c7a75b449db34fa2fd560d5');
    expect(wxDecryptFor(key, expected, C.appId).toString('utf8')).toBe(msg);
  });
});

describe('Open Platform vector E (pad 22, the Node auto-padding trap)', () => {
  const key = decodeEncodingAesKey(E.encodingAesKey);

  it('shows that Node default auto-padding fails on it', () => {
    const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    const ct = Buffer.from(E.encrypt, 'base64');
    expect(() => Buffer.concat([d.update(ct), d.final()])).toThrow();
    expect(padOf(key, E.encrypt)).toBe(22);
  });

  it('decrypts the push', () => {
    expect(Buffer.from(E.encrypt, 'base64').length).toBe(352);
    const d = wxDecrypt(key, E.encrypt);
    expect(d.random.toString('latin1')).toBe('1205899eaf019bbd');
    expect(d.message.length).toBe(292);
    expect(d.message.toString('utf8')).toBe(E.message);
    expect(d.receiveId).toBe(E.appId);
  });

  it('encrypts and signs the reply exactly as the doc', () => {
    const r = E.reply;
    const reply = wxEncryptReply(E.token, key, E.appId, r.message, r.timestamp, r.nonce, r.random);
    expect(reply.encrypt).toBe(r.encrypt);
    expect(reply.msgSignature).toBe(r.msgSignature);
    expect(Buffer.from(reply.encrypt, 'base64').length).toBe(96);
    expect(wxReplyXml(reply)).toBe(
      '<xml>' +
        `<Encrypt><![CDATA[${r.encrypt}]]></Encrypt>` +
        `<MsgSignature><![CDATA[${r.msgSignature}]]></MsgSignature>` +
        `<TimeStamp>${r.timestamp}</TimeStamp>` +
        `<Nonce><![CDATA[${r.nonce}]]></Nonce>` +
        '</xml>',
    );
  });
});

describe('wechatpy vectors (tests/test_crypto.py)', () => {
  const key = decodeEncodingAesKey(W.encodingAesKey);

  it('decrypts the check_signature echostr for the corp id', () => {
    const echostr = '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==';
    const d = wxDecrypt(key, echostr);
    expect(d.receiveId).toBe(W.corpId);
    expect(d.message.length).toBeGreaterThan(0);
  });

  it('encrypt_message: same Encrypt and MsgSignature', () => {
    const reply =
      '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>';
    const r = wxEncryptReply(W.token, key, W.corpId, reply, '1411525903', '461056294', Buffer.from('1234567890123456'));
    expect(r.encrypt).toBe(
      '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3',
    );
    expect(r.msgSignature).toBe('407518b7649e86ef23978113f92d27afa9296533');
  });

  it('decrypt_message: verifies and decrypts the POST body Encrypt', () => {
    const encrypt =
      'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=';
    expect(wxVerifySignature(W.token, '1411525903', '461056294', encrypt, '74d92dfeb87ba7c714f89d98870ae5eb62dff26d')).toBe(true);
    const msg = wxDecryptFor(key, encrypt, W.corpId).toString('utf8');
    expect(msg).toContain('<Content><![CDATA[test]]></Content>');
    expect(msg).toContain('<FromUserName><![CDATA[messense]]></FromUserName>');
  });
});

describe('round trip property', () => {
  const key = decodeEncodingAesKey(A.encodingAesKey);

  it('every plaintext length 0..200 round-trips and every pad value 1..32 occurs', () => {
    const pads = new Set<number>();
    for (let n = 0; n <= 200; n++) {
      const msg = Buffer.alloc(n);
      for (let i = 0; i < n; i++) msg[i] = (i * 31 + n) & 0xff;
      const enc = wxEncrypt(key, msg, A.corpId);
      pads.add(padOf(key, enc));
      const d = wxDecrypt(key, enc);
      expect(d.message).toEqual(msg);
      expect(d.receiveId).toBe(A.corpId);
      expect(d.random.length).toBe(16);
    }
    expect([...pads].sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('multi-byte UTF-8 (CJK, emoji, combining marks) survives byte-for-byte', () => {
    for (const text of ['中文消息', '😀👍🏽 family: 👨‍👩‍👧', 'e\u0301 café', '00123', '1e5', ']]><![CDATA[', '']) {
      for (let repeat = 1; repeat <= 40; repeat += 13) {
        const msg = text.repeat(repeat);
        expect(wxDecryptFor(key, wxEncrypt(key, msg, A.corpId), A.corpId).toString('utf8')).toBe(msg);
      }
    }
  });

  it('2048-byte boundary messages round-trip (2047, 2048, 2049 bytes)', () => {
    for (const len of [2047, 2048, 2049]) {
      // A 3-byte CJK char straddles the boundary in at least one of these.
      const msg = Buffer.from('中'.repeat(Math.ceil(len / 3)), 'utf8').subarray(0, len);
      const d = wxDecrypt(key, wxEncrypt(key, msg, A.corpId));
      expect(d.message).toEqual(msg);
    }
    const exact = 'x'.repeat(2045) + '中';
    expect(Buffer.byteLength(exact)).toBe(2048);
    expect(wxDecryptFor(key, wxEncrypt(key, exact, A.corpId), A.corpId).toString('utf8')).toBe(exact);
  });

  it('an empty receiveId (WeCom individual-subject apps) round-trips', () => {
    const d = wxDecrypt(key, wxEncrypt(key, 'hi', ''));
    expect(d.receiveId).toBe('');
    expect(wxDecryptFor(key, wxEncrypt(key, 'hi', ''), '').toString()).toBe('hi');
  });

  it('uses a fresh random prefix each time', () => {
    expect(wxEncrypt(key, 'same', A.corpId)).not.toBe(wxEncrypt(key, 'same', A.corpId));
  });
});

describe('failures are CryptoErrors, never raw crashes', () => {
  const key = decodeEncodingAesKey(A.encodingAesKey);
  const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';

  it('receiveId mismatch', () => {
    expectCryptoError(() => wxDecryptFor(key, echostr, 'wx5823bf96d3bd56c8'), 'RECEIVE_ID_MISMATCH');
    expectCryptoError(() => wxDecryptFor(key, echostr, 'wx5823bf96d3bd56c'), 'RECEIVE_ID_MISMATCH');
    expectCryptoError(() => wxDecryptFor(key, echostr, ''), 'RECEIVE_ID_MISMATCH');
  });

  it.each([
    ['empty', ''],
    ['space instead of +', echostr.replace('+', ' ')],
    ['url-safe alphabet', echostr.replace('/', '_')],
    ['missing padding', echostr.replace(/=+$/, '')],
    ['embedded newline', echostr.slice(0, 40) + '\n' + echostr.slice(40)],
    ['non-canonical trailing bits', echostr.slice(0, -3) + 'r==' /* 'q' -> 'r' sets a discarded bit */],
    ['not a string', undefined as unknown as string],
  ])('bad base64: %s', (_name, value) => {
    expectCryptoError(() => wxDecrypt(key, value), 'BAD_BASE64');
  });

  it('bad block length', () => {
    expectCryptoError(() => wxDecrypt(key, Buffer.alloc(15).toString('base64')), 'BAD_BLOCK_LENGTH');
    expectCryptoError(() => wxDecrypt(key, Buffer.alloc(33).toString('base64')), 'BAD_BLOCK_LENGTH');
  });

  it('short plaintext and an out-of-bounds msg_len give BAD_LENGTH', () => {
    // 16 bytes of random and pad 16: nothing left for the 4-byte length.
    const short = Buffer.concat([Buffer.alloc(16, 0x61), Buffer.alloc(16, 16)]);
    expectCryptoError(() => wxDecrypt(key, rawEncrypt(key, short)), 'BAD_LENGTH');
    // msg_len claims 1000 bytes but only 8 follow.
    const len = Buffer.alloc(4);
    len.writeUInt32BE(1000);
    const lying = pkcs7Pad(Buffer.concat([Buffer.alloc(16, 0x61), len, Buffer.from('short!!!')]), 32);
    expectCryptoError(() => wxDecrypt(key, rawEncrypt(key, lying)), 'BAD_LENGTH');
    len.writeUInt32BE(0xffffffff);
    const huge = pkcs7Pad(Buffer.concat([Buffer.alloc(16, 0x61), len]), 32);
    expectCryptoError(() => wxDecrypt(key, rawEncrypt(key, huge)), 'BAD_LENGTH');
  });

  it('tampered ciphertext: never a raw error, and the signature check rejects every tamper', () => {
    const ct = Buffer.from(echostr, 'base64');
    const good = '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3';
    let typedFailures = 0;
    for (let i = 0; i < ct.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const t = Buffer.from(ct);
        t[i] ^= bit;
        const tampered = t.toString('base64');
        // CBC is malleable: some flips still decrypt (to altered bytes), which is why callers
        // must verify msg_signature before decrypting. Whatever happens, no untyped error.
        try {
          wxDecryptFor(key, tampered, A.corpId);
        } catch (e) {
          expect(e).toBeInstanceOf(CryptoError);
          typedFailures++;
        }
        expect(wxVerifySignature(A.token, '1409659589', '263014780', tampered, good)).toBe(false);
      }
    }
    expect(typedFailures).toBeGreaterThan(0);
    // A flip in the last block destroys the padding/receiveId deterministically.
    const last = Buffer.from(ct);
    last[last.length - 1] ^= 0x01;
    expect(() => wxDecryptFor(key, last.toString('base64'), A.corpId)).toThrow(CryptoError);
  });

  it('wrong key fails with a CryptoError', () => {
    const other = decodeEncodingAesKey(C.encodingAesKey);
    expect(() => wxDecryptFor(other, echostr, A.corpId)).toThrow(CryptoError);
  });

  it('rejects a key that is not 32 bytes', () => {
    expectCryptoError(() => wxDecrypt(Buffer.alloc(16), echostr), 'ILLEGAL_AES_KEY');
    expectCryptoError(() => wxEncrypt(Buffer.alloc(31), 'x', 'id'), 'ILLEGAL_AES_KEY');
  });

  it('rejects a random prefix that is not 16 bytes', () => {
    expect(() => wxEncrypt(key, 'x', 'id', Buffer.alloc(15))).toThrow(RangeError);
  });
});

describe('wxReplyXml', () => {
  it('keeps the envelope well-formed when the echoed nonce contains ]]> or the timestamp <', () => {
    const xml = wxReplyXml({ encrypt: 'e', msgSignature: 's', timestamp: '1<2&', nonce: 'a]]>b' });
    expect(xml).toBe(
      '<xml><Encrypt><![CDATA[e]]></Encrypt><MsgSignature><![CDATA[s]]></MsgSignature>' +
        '<TimeStamp>1&lt;2&amp;</TimeStamp><Nonce><![CDATA[a]]]]><![CDATA[>b]]></Nonce></xml>',
    );
  });
});

/** AES-CBC over an already padded buffer, to build malformed plaintexts. */
function rawEncrypt(key: Buffer, padded: Buffer): string {
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(padded), c.final()]).toString('base64');
}

describe('signature order and the reused decipher', () => {
  it('orders strings as their UTF-8 bytes (astral characters after U+E000–U+FFFF)', () => {
    const samples = ['', 'a', 'ab', 'b', 'Z', '~', '\u00e9', '\u4e2d', '\ud7ff', '\ue000', '\uff01', '\uffff', '😀', '😀a', '\ud83d\ude01', '𝄞', 'a😀', 'a\uff01', '1409304348', 'xxxxxx'];
    for (const a of samples) {
      for (const b of samples) {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect([a, b, Math.sign(compareUtf8(a, b))]).toEqual([a, b, bytes]);
      }
    }
  });

  it('signs over the byte-sorted parts, non-ASCII and astral ones included', () => {
    const parts = ['tok\uff01', 'tok😀', '1409304348', 'nonce中'];
    const expected = createHash('sha1')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p, 'utf8')).sort(Buffer.compare)))
      .digest('hex');
    expect(wxSignature(parts[0]!, parts[1]!, parts[2]!, parts[3]!)).toBe(expected);
    expect(wxSignature(parts[3]!, parts[2]!, parts[1]!, parts[0]!)).toBe(expected);
  });

  it('decrypts like a fresh AES-256-CBC decipher, message after message and key after key', () => {
    const keys = [A.encodingAesKey, C.encodingAesKey, 'A'.repeat(43)].map((k) => decodeEncodingAesKey(k));
    for (let n = 0; n < 60; n++) {
      const key = keys[n % keys.length]!;
      const msg = `<xml><Content><![CDATA[${'你好 '.repeat(n)}#${n}]]></Content></xml>`;
      const encrypt = wxEncrypt(key, msg, 'wx5823bf96d3bd56c7');
      const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
      d.setAutoPadding(false);
      const reference = pkcs7Unpad(Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]), 32);
      const { message, receiveId, random } = wxDecrypt(key, encrypt);
      expect(random.equals(reference.subarray(0, 16))).toBe(true);
      expect(Buffer.concat([message, Buffer.from(receiveId)]).equals(reference.subarray(20))).toBe(true);
      expect(message.toString('utf8')).toBe(msg);
      expect(receiveId).toBe('wx5823bf96d3bd56c7');
    }
  });

  it('keeps decrypting correctly after a refused ciphertext', () => {
    const key = decodeEncodingAesKey(A.encodingAesKey);
    const good = wxEncrypt(key, '<xml/>', A.corpId);
    expect(() => wxDecrypt(key, Buffer.alloc(33).toString('base64'))).toThrow(CryptoError);
    expect(() => wxDecrypt(key, Buffer.alloc(32, 7).toString('base64'))).toThrow(CryptoError);
    expect(wxDecryptFor(key, good, A.corpId).toString('utf8')).toBe('<xml/>');
  });
});
