import { decodeEncodingAesKey, wxEncrypt, wxSignature } from '@imbridge/crypto';
import type { InboundMessage } from '@imbridge/contracts';
import {
  CallbackRejected,
  type CallbackContext,
  type CallbackOutcome,
  type CallbackRejectReason,
  type CallbackRequest,
  type InboundEvent,
} from '@imbridge/platform-core';
import { WecomCallbackHandler } from './wecom.callback-handler';

// Vector A1: WeCom official sample (developer.work.weixin.qq.com doc 90968).
const A1 = {
  token: 'QDG6eK',
  corpId: 'wx5823bf96d3bd56c7',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  echoPlain: '1616140317555161061',
};

const CONFIG = {
  corpId: A1.corpId,
  agentId: 218,
  secret: 'S'.repeat(43),
  token: A1.token,
  encodingAesKey: A1.encodingAesKey,
};
const AES_KEY = decodeEncodingAesKey(A1.encodingAesKey);
const RANDOM = Buffer.from('0123456789abcdef');

const NOW_SECONDS = 1_700_000_000;
const TS = String(NOW_SECONDS);
const NONCE = '1372623149';

const handler = new WecomCallbackHandler();

function ctx(replayToleranceSeconds = 600, config: Record<string, unknown> = CONFIG): CallbackContext {
  return { integrationId: 'int-1', config, replayToleranceSeconds, now: new Date(NOW_SECONDS * 1000) };
}

function getRequest(query: Record<string, string>): CallbackRequest {
  return { method: 'GET', query, headers: {}, rawBody: Buffer.alloc(0) };
}

function envelope(encrypt: string): string {
  return `<xml><ToUserName><![CDATA[${A1.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;
}

/** A POST as WeCom sends it: the inner XML encrypted for `receiveId`, signed with `token`. */
function postRequest(
  innerXml: string,
  opts: { timestamp?: string; nonce?: string; token?: string; receiveId?: string; aesKey?: Buffer } = {},
): CallbackRequest {
  const timestamp = opts.timestamp ?? TS;
  const nonce = opts.nonce ?? NONCE;
  const encrypt = wxEncrypt(opts.aesKey ?? AES_KEY, innerXml, opts.receiveId ?? A1.corpId, RANDOM);
  return signedPost(envelope(encrypt), encrypt, { timestamp, nonce, token: opts.token });
}

/** A POST with the given body, signed over `encrypt`. */
function signedPost(body: string, encrypt: string, opts: { timestamp?: string; nonce?: string; token?: string } = {}): CallbackRequest {
  const timestamp = opts.timestamp ?? TS;
  const nonce = opts.nonce ?? NONCE;
  return {
    method: 'POST',
    query: { msg_signature: wxSignature(opts.token ?? A1.token, timestamp, nonce, encrypt), timestamp, nonce },
    headers: { 'content-type': 'text/xml' },
    rawBody: Buffer.from(body, 'utf8'),
  };
}

/** The inner (decrypted) message XML, with the common header. */
function inner(fields: string, from = 'zhangsan', createTime = '1700000000'): string {
  return (
    `<xml><ToUserName><![CDATA[${A1.corpId}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime>${fields}<AgentID>218</AgentID></xml>`
  );
}

function eventsOf(outcome: CallbackOutcome): InboundEvent[] {
  if (outcome.kind !== 'events') throw new Error(`expected events, got ${outcome.kind}`);
  return outcome.events;
}

function single(innerXml: string): InboundEvent {
  const events = eventsOf(handler.handle(postRequest(innerXml), ctx()) as CallbackOutcome);
  expect(events).toHaveLength(1);
  return events[0] as InboundEvent;
}

function rejection(req: CallbackRequest, context: CallbackContext = ctx()): CallbackRejectReason {
  try {
    handler.handle(req, context);
  } catch (err) {
    expect(err).toBeInstanceOf(CallbackRejected);
    return (err as CallbackRejected).reason;
  }
  throw new Error('expected a CallbackRejected, nothing was thrown');
}

const SENT_AT = new Date(NOW_SECONDS * 1000).toISOString();

describe('WecomCallbackHandler', () => {
  describe('GET URL verification', () => {
    const query = { msg_signature: A1.msgSignature, timestamp: A1.timestamp, nonce: A1.nonce, echostr: A1.echostr };

    it('answers the official vector A1 with the decrypted echostr and nothing else (tolerance 0)', () => {
      const outcome = handler.handle(getRequest(query), ctx(0));
      expect(outcome).toEqual({
        kind: 'reply',
        reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: A1.echoPlain },
        diagnostic: 'url-verification',
      });
    });

    it('accepts an upper-case signature', () => {
      const outcome = handler.handle(getRequest({ ...query, msg_signature: A1.msgSignature.toUpperCase() }), ctx(0));
      expect(outcome.kind === 'reply' && outcome.reply.body).toBe(A1.echoPlain);
    });

    it('refuses the 2014 vector when the timestamp is checked', () => {
      expect(rejection(getRequest(query), ctx(600))).toBe('timestamp-out-of-tolerance');
    });

    it('refuses a wrong signature', () => {
      expect(rejection(getRequest({ ...query, msg_signature: '0'.repeat(40) }), ctx(0))).toBe('signature-mismatch');
    });

    it("refuses an echostr whose '+' became a space (form-decoded query)", () => {
      expect(rejection(getRequest({ ...query, echostr: A1.echostr.replace(/\+/g, ' ') }), ctx(0))).toBe('signature-mismatch');
    });

    it('refuses a signature made with another token', () => {
      expect(rejection(getRequest(query), ctx(0, { ...CONFIG, token: 'OtherToken' }))).toBe('signature-mismatch');
    });

    it('refuses a missing echostr', () => {
      const { echostr: _echostr, ...rest } = query;
      expect(rejection(getRequest(rest), ctx(0))).toBe('missing-parameters');
    });

    it.each(['msg_signature', 'timestamp', 'nonce'] as const)('refuses a missing %s', (name) => {
      const partial: Record<string, string> = { ...query };
      delete partial[name];
      expect(rejection(getRequest(partial), ctx(0))).toBe('missing-parameters');
      expect(rejection(getRequest({ ...query, [name]: '' }), ctx(0))).toBe('missing-parameters');
    });

    it('answers a fresh verification with the current timestamp', () => {
      const echostr = wxEncrypt(AES_KEY, '8812436541209', A1.corpId, RANDOM);
      const outcome = handler.handle(
        getRequest({ msg_signature: wxSignature(A1.token, TS, NONCE, echostr), timestamp: TS, nonce: NONCE, echostr }),
        ctx(600),
      );
      expect(outcome.kind === 'reply' && outcome.reply.body).toBe('8812436541209');
    });

    it('refuses an echostr encrypted for another corp', () => {
      const echostr = wxEncrypt(AES_KEY, '8812436541209', 'wwffffffffffffffff', RANDOM);
      const req = getRequest({ msg_signature: wxSignature(A1.token, TS, NONCE, echostr), timestamp: TS, nonce: NONCE, echostr });
      expect(rejection(req)).toBe('receive-id-mismatch');
    });
  });

  describe('POST normalization', () => {
    it('normalizes a text message', () => {
      const event = single(
        inner('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>7241935837346153482</MsgId>'),
      );
      const message: InboundMessage = {
        type: 'text',
        platformMessageId: '7241935837346153482',
        sender: { externalId: 'zhangsan' },
        sentAt: SENT_AT,
        text: 'hello',
        extra: { ToUserName: A1.corpId, AgentID: '218' },
      };
      expect(event).toEqual({ dedupeKey: 'msg:7241935837346153482', conversationKey: 'zhangsan', message });
    });

    it('answers a stored POST with an empty 200 and the type as diagnostic', () => {
      const outcome = handler.handle(
        postRequest(inner('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId>')),
        ctx(),
      );
      expect(outcome).toMatchObject({
        kind: 'events',
        reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: '' },
        diagnostic: 'text',
      });
    });

    it('keeps text byte-exact: whitespace, newlines, markup, "]]>", numbers and emoji', () => {
      const text = '  第一行\n\tline 2 <b>&amp;</b> ]]> 00123 😀  ';
      const cdata = `<![CDATA[${text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
      const event = single(inner(`<MsgType><![CDATA[text]]></MsgType><Content>${cdata}</Content><MsgId>2</MsgId>`));
      expect(event.message.text).toBe(text);
    });

    it('keeps an empty text as an empty string', () => {
      const event = single(inner('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[]]></Content><MsgId>3</MsgId>'));
      expect(event.message.text).toBe('');
    });

    it('normalizes an image', () => {
      const event = single(
        inner(
          '<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://wework.qpic.cn/abc]]></PicUrl>' +
            '<MediaId><![CDATA[media_img_1]]></MediaId><MsgId>1001</MsgId>',
        ),
      );
      expect(event.dedupeKey).toBe('msg:1001');
      expect(event.message).toMatchObject({
        type: 'image',
        platformMessageId: '1001',
        sender: { externalId: 'zhangsan' },
        sentAt: SENT_AT,
        media: { mediaId: 'media_img_1' },
      });
      expect(event.message.extra?.['PicUrl']).toBe('https://wework.qpic.cn/abc');
    });

    it('normalizes a voice message with its format', () => {
      const event = single(
        inner('<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_voice]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>1002</MsgId>'),
      );
      expect(event.dedupeKey).toBe('msg:1002');
      expect(event.message.type).toBe('voice');
      expect(event.message.media).toEqual({ mediaId: 'media_voice', format: 'amr' });
    });

    it('normalizes a video with its thumbnail', () => {
      const event = single(
        inner(
          '<MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[media_video]]></MediaId>' +
            '<ThumbMediaId><![CDATA[media_thumb]]></ThumbMediaId><MsgId>1003</MsgId>',
        ),
      );
      expect(event.dedupeKey).toBe('msg:1003');
      expect(event.message.type).toBe('video');
      expect(event.message.media).toEqual({ mediaId: 'media_video', thumbMediaId: 'media_thumb' });
    });

    it('normalizes a location, coordinates kept as strings', () => {
      const event = single(
        inner(
          '<MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y>' +
            '<Scale>20</Scale><Label><![CDATA[广州市海珠区]]></Label><MsgId>1004</MsgId>',
        ),
      );
      expect(event.dedupeKey).toBe('msg:1004');
      expect(event.message.type).toBe('location');
      expect(event.message.location).toEqual({ latitude: '23.134521', longitude: '113.358803', scale: '20', label: '广州市海珠区' });
    });

    it('normalizes a link', () => {
      const event = single(
        inner(
          '<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[标题]]></Title><Description><![CDATA[描述]]></Description>' +
            '<Url><![CDATA[https://example.com/a?b=1&c=2]]></Url><PicUrl><![CDATA[https://example.com/p.png]]></PicUrl><MsgId>1005</MsgId>',
        ),
      );
      expect(event.dedupeKey).toBe('msg:1005');
      expect(event.message.type).toBe('link');
      expect(event.message.link).toEqual({
        title: '标题',
        description: '描述',
        url: 'https://example.com/a?b=1&c=2',
        picUrl: 'https://example.com/p.png',
      });
    });

    it('normalizes an enter_agent event (no MsgId, empty EventKey)', () => {
      const event = single(
        inner('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey>', 'lisi'),
      );
      expect(event).toEqual({
        dedupeKey: 'event:lisi:1700000000:enter_agent:',
        conversationKey: 'lisi',
        message: {
          type: 'event',
          sender: { externalId: 'lisi' },
          sentAt: SENT_AT,
          event: { name: 'enter_agent', key: '' },
          extra: { ToUserName: A1.corpId, Event: 'enter_agent', EventKey: '', AgentID: '218' },
        },
      });
      expect(event.message.platformMessageId).toBeUndefined();
    });

    it('normalizes a menu click with its EventKey', () => {
      const event = single(
        inner('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[#sendmsg#_0_0#7599826]]></EventKey>'),
      );
      expect(event.dedupeKey).toBe('event:zhangsan:1700000000:click:#sendmsg#_0_0#7599826');
      expect(event.message.type).toBe('event');
      expect(event.message.event).toEqual({ name: 'click', key: '#sendmsg#_0_0#7599826' });
    });

    it('normalizes a subscribe event without EventKey', () => {
      const event = single(inner('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>'));
      expect(event.dedupeKey).toBe('event:zhangsan:1700000000:subscribe:');
      expect(event.message.event).toEqual({ name: 'subscribe' });
      expect(event.message.platformMessageId).toBeUndefined();
    });

    it('gives two different events in the same second different dedupe keys', () => {
      const a = single(inner('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[A]]></EventKey>'));
      const b = single(inner('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[B]]></EventKey>'));
      const c = single(inner('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event>'));
      expect(new Set([a.dedupeKey, b.dedupeKey, c.dedupeKey]).size).toBe(3);
    });

    it('gives the same message the same dedupe key on a retry (new nonce and timestamp)', () => {
      const xml = inner('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>555</MsgId>');
      const first = eventsOf(handler.handle(postRequest(xml), ctx()));
      const retry = eventsOf(handler.handle(postRequest(xml, { timestamp: String(NOW_SECONDS + 5), nonce: '99' }), ctx()));
      expect(retry[0]?.dedupeKey).toBe(first[0]?.dedupeKey);
    });

    it('keeps an unknown message type as "unknown"', () => {
      const event = single(inner('<MsgType><![CDATA[mixed]]></MsgType><MsgId>1006</MsgId>'));
      expect(event.dedupeKey).toBe('msg:1006');
      expect(event.message.type).toBe('unknown');
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('treats the MsgType %p as unknown', (msgType) => {
      const event = single(inner(`<MsgType><![CDATA[${msgType}]]></MsgType><MsgId>1007</MsgId>`));
      expect(event.message.type).toBe('unknown');
    });

    it('keeps numeric-looking values as strings', () => {
      const event = single(
        inner('<MsgType><![CDATA[text]]></MsgType><Content>00123</Content><MsgId>0042</MsgId>'),
      );
      expect(event.message.text).toBe('00123');
      expect(event.message.platformMessageId).toBe('0042');
      expect(event.dedupeKey).toBe('msg:0042');
    });

    it('accepts pretty-printed inner XML without leaking whitespace into the message', () => {
      const xml =
        '<xml>\n  <ToUserName><![CDATA[x]]></ToUserName>\n  <FromUserName><![CDATA[wangwu]]></FromUserName>\n' +
        '  <CreateTime>1700000000</CreateTime>\n  <MsgType><![CDATA[text]]></MsgType>\n  <Content><![CDATA[hi]]></Content>\n' +
        '  <MsgId>77</MsgId>\n</xml>';
      const event = single(xml);
      expect(event.message.text).toBe('hi');
      expect(event.message.extra).toEqual({ ToUserName: 'x' });
    });
  });

  describe('POST rejections', () => {
    const textXml = inner('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId>');

    it('refuses a signature made with another token', () => {
      expect(rejection(postRequest(textXml, { token: 'WrongToken' }))).toBe('signature-mismatch');
    });

    it('refuses a body whose Encrypt was changed after signing', () => {
      const encrypt = wxEncrypt(AES_KEY, textXml, A1.corpId, RANDOM);
      const other = wxEncrypt(AES_KEY, textXml, A1.corpId, Buffer.from('fedcba9876543210'));
      expect(rejection(signedPost(envelope(other), encrypt))).toBe('signature-mismatch');
    });

    it('refuses a signature over another timestamp', () => {
      const req = postRequest(textXml);
      expect(rejection({ ...req, query: { ...req.query, timestamp: String(NOW_SECONDS + 1) } })).toBe('signature-mismatch');
    });

    it('checks the signature before the timestamp', () => {
      expect(rejection(postRequest(textXml, { token: 'WrongToken', timestamp: '1409659589' }))).toBe('signature-mismatch');
    });

    it('refuses a stale timestamp, and accepts it with tolerance 0', () => {
      const stale = postRequest(textXml, { timestamp: String(NOW_SECONDS - 601) });
      expect(rejection(stale)).toBe('timestamp-out-of-tolerance');
      expect(eventsOf(handler.handle(stale, ctx(0)))).toHaveLength(1);
    });

    it('refuses a timestamp from the future', () => {
      expect(rejection(postRequest(textXml, { timestamp: String(NOW_SECONDS + 601) }))).toBe('timestamp-out-of-tolerance');
    });

    it('refuses a non-numeric timestamp, even when signed', () => {
      expect(rejection(postRequest(textXml, { timestamp: 'yesterday' }))).toBe('missing-parameters');
    });

    it('refuses a message encrypted for another corp', () => {
      expect(rejection(postRequest(textXml, { receiveId: 'wwffffffffffffffff' }))).toBe('receive-id-mismatch');
    });

    it('refuses a message encrypted with another key', () => {
      const otherKey = decodeEncodingAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
      expect(rejection(postRequest(textXml, { aesKey: otherKey }))).toBe('decrypt-failed');
    });

    it.each([
      ['not base64', '!!!not-base64!!!'],
      ['not a whole block', Buffer.from('short').toString('base64')],
      ['empty', ''],
    ])('refuses an Encrypt that is %s as decrypt-failed', (_name, encrypt) => {
      expect(rejection(signedPost(envelope(encrypt), encrypt))).toBe('decrypt-failed');
    });

    it.each([
      ['not XML', 'hello'],
      ['JSON', '{"Encrypt":"abc"}'],
      ['without <Encrypt>', '<xml><ToUserName>x</ToUserName></xml>'],
      ['with another root', '<root><Encrypt>abc</Encrypt></root>'],
      ['with a DOCTYPE', '<!DOCTYPE xml><xml><Encrypt>abc</Encrypt></xml>'],
      ['with an element inside <Encrypt>', '<xml><Encrypt><a>abc</a></Encrypt></xml>'],
    ])('refuses an envelope %s as malformed-body', (_name, body) => {
      expect(rejection(signedPost(body, 'abc'))).toBe('malformed-body');
    });

    it('refuses an empty body as malformed-body', () => {
      expect(rejection({ ...signedPost('', 'abc'), rawBody: Buffer.alloc(0) })).toBe('malformed-body');
    });

    it('refuses two <Encrypt> elements instead of picking one', () => {
      const encrypt = wxEncrypt(AES_KEY, textXml, A1.corpId, RANDOM);
      const body = `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
      expect(rejection(signedPost(body, encrypt))).toBe('malformed-body');
    });

    it.each([
      ['not XML', 'just text'],
      ['without FromUserName', '<xml><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId></xml>'],
      ['with an empty FromUserName', '<xml><FromUserName></FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType></xml>'],
      ['without CreateTime', '<xml><FromUserName>a</FromUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>'],
      ['with a non-numeric CreateTime', inner('<MsgType>text</MsgType><MsgId>1</MsgId>', 'a', 'soon')],
      ['with an 11-digit CreateTime', inner('<MsgType>text</MsgType><MsgId>1</MsgId>', 'a', '99999999999')],
      ['with a 13-digit CreateTime', inner('<MsgType>text</MsgType><MsgId>1</MsgId>', 'a', '9999999999999')],
      ['without MsgType', '<xml><FromUserName>a</FromUserName><CreateTime>1700000000</CreateTime></xml>'],
      ['with two MsgIds', inner('<MsgType>text</MsgType><MsgId>1</MsgId><MsgId>2</MsgId>')],
      ['with two Contents', inner('<MsgType>text</MsgType><Content>a</Content><Content>b</Content><MsgId>1</MsgId>')],
      ['with a DOCTYPE', `<!DOCTYPE xml>${inner('<MsgType>text</MsgType><MsgId>1</MsgId>')}`],
    ])('refuses decrypted content %s as malformed-body', (_name, xml) => {
      expect(rejection(postRequest(xml))).toBe('malformed-body');
    });

    it.each(['msg_signature', 'timestamp', 'nonce'] as const)('refuses a POST without %s', (name) => {
      const req = postRequest(textXml);
      const query: Record<string, string> = { ...req.query };
      delete query[name];
      expect(rejection({ ...req, query })).toBe('missing-parameters');
    });
  });
});
