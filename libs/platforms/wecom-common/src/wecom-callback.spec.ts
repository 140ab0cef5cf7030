import { decodeEncodingAesKey, wxEncrypt, wxSignature } from '@imbridge/crypto';
import { CallbackRejected, xmlRequiredText, type CallbackContext, type CallbackRejectReason, type CallbackRequest } from '@imbridge/platform-core';
import { openWecomCallback, readWecomInnerXml, WECOM_CALLBACK_ACK, wecomUrlVerification } from './wecom-callback';

// WeCom's official sample (doc 90968).
const KEYS = { token: 'QDG6eK', corpId: 'wx5823bf96d3bd56c7', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const SAMPLE_GET = {
  msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
};
const NOW = 1_700_000_000;
const TS = String(NOW);
const NONCE = '1372623149';
const AES_KEY = decodeEncodingAesKey(KEYS.encodingAesKey);

const ctx = (replayToleranceSeconds = 600): CallbackContext => ({ integrationId: 'int-1', config: {}, replayToleranceSeconds, now: new Date(NOW * 1000) });

function post(innerXml: string, opts: { receiveId?: string; token?: string; timestamp?: string; body?: string } = {}): CallbackRequest {
  const timestamp = opts.timestamp ?? TS;
  const encrypt = wxEncrypt(AES_KEY, innerXml, opts.receiveId ?? KEYS.corpId, Buffer.from('0123456789abcdef'));
  return {
    method: 'POST',
    query: { msg_signature: wxSignature(opts.token ?? KEYS.token, timestamp, NONCE, encrypt), timestamp, nonce: NONCE },
    headers: {},
    rawBody: Buffer.from(opts.body ?? `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`),
  };
}

function reason(fn: () => unknown): CallbackRejectReason {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CallbackRejected);
    return (err as CallbackRejected).reason;
  }
  throw new Error('expected a CallbackRejected');
}

describe('openWecomCallback', () => {
  it('decrypts the official GET sample and answers it with the bare echo', () => {
    const req: CallbackRequest = { method: 'GET', query: SAMPLE_GET, headers: {}, rawBody: Buffer.alloc(0) };
    const plain = openWecomCallback(req, ctx(0), KEYS);
    expect(plain.toString('utf8')).toBe('1616140317555161061');
    expect(wecomUrlVerification(plain)).toEqual({ kind: 'reply', reply: { ...WECOM_CALLBACK_ACK, body: '1616140317555161061' }, diagnostic: 'url-verification' });
  });

  it('decrypts a signed POST to its inner XML', () => {
    const inner = '<xml><MsgType>text</MsgType><Content>你好</Content></xml>';
    expect(openWecomCallback(post(inner), ctx(), KEYS).toString('utf8')).toBe(inner);
  });

  it('refuses missing parameters, a bad signature, a stale timestamp, another receiveid and a bad envelope', () => {
    const get = (query: Record<string, string>): CallbackRequest => ({ method: 'GET', query, headers: {}, rawBody: Buffer.alloc(0) });
    expect(reason(() => openWecomCallback(get({ timestamp: TS, nonce: NONCE }), ctx(), KEYS))).toBe('missing-parameters');
    expect(reason(() => openWecomCallback(get({ ...SAMPLE_GET, echostr: '' }), ctx(0), KEYS))).toBe('missing-parameters');
    expect(reason(() => openWecomCallback(post('<xml/>', { token: 'other' }), ctx(), KEYS))).toBe('signature-mismatch');
    expect(reason(() => openWecomCallback(post('<xml/>', { timestamp: String(NOW - 3600) }), ctx(), KEYS))).toBe('timestamp-out-of-tolerance');
    expect(reason(() => openWecomCallback(post('<xml/>', { receiveId: 'ww0000000000000000' }), ctx(), KEYS))).toBe('receive-id-mismatch');
    expect(reason(() => openWecomCallback(post('<xml/>', { body: '<xml><Nothing/></xml>' }), ctx(), KEYS))).toBe('malformed-body');
  });
});

describe('readWecomInnerXml', () => {
  it('reads the inner XML, and turns XML problems into malformed-body with an inner: detail', () => {
    expect(readWecomInnerXml(Buffer.from('<xml><A>1</A></xml>'), (x) => xmlRequiredText(x, 'A'))).toBe('1');
    for (const bad of ['not xml', '<xml><B>1</B></xml>']) {
      try {
        readWecomInnerXml(Buffer.from(bad), (x) => xmlRequiredText(x, 'A'));
        throw new Error('expected a rejection');
      } catch (err) {
        expect(err).toBeInstanceOf(CallbackRejected);
        expect((err as CallbackRejected).reason).toBe('malformed-body');
        expect((err as Error).message).toMatch(/^malformed-body: inner: /);
      }
    }
  });
});
