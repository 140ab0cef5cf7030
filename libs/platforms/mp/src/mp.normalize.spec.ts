import { parseSafeXml, XmlRejected, xmlRoot } from '@imbridge/platform-core';
import { mpDedupeKey, normalizeMpXml } from './mp.normalize';

const HEAD = '<ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime>';
const SENT_AT = new Date(1_700_000_000_000).toISOString();

function normalize(fields: string) {
  return normalizeMpXml(xmlRoot(parseSafeXml(`<xml>${HEAD}${fields}</xml>`)));
}

describe('normalizeMpXml: messages (§9.2)', () => {
  it('text, byte-for-byte, deduped on MsgId', () => {
    const ev = normalize('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[  00123\n1e5 😀 ]]></Content><MsgId>1234567890123456</MsgId>');
    expect(ev).toEqual({
      dedupeKey: 'msg:1234567890123456',
      conversationKey: 'oUser',
      message: {
        type: 'text',
        platformMessageId: '1234567890123456',
        sender: { externalId: 'oUser' },
        sentAt: SENT_AT,
        text: '  00123\n1e5 😀 ',
        extra: { ToUserName: 'gh_abc', MsgType: 'text' },
      },
    });
  });

  it('image with PicUrl and MediaId', () => {
    const ev = normalize('<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[media_1]]></MediaId><MsgId>2</MsgId>');
    expect(ev.message).toMatchObject({ type: 'image', media: { mediaId: 'media_1' }, extra: { PicUrl: 'http://mmbiz.qpic.cn/x' } });
  });

  it('voice with Recognition as text', () => {
    const ev = normalize('<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>3</MsgId>');
    expect(ev.message).toMatchObject({ type: 'voice', media: { mediaId: 'm', format: 'amr' }, text: '腾讯微信团队', extra: { Recognition: '腾讯微信团队' } });
    const without = normalize('<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>4</MsgId>');
    expect(without.message.text).toBeUndefined();
  });

  it('video and shortvideo (thumb kept; the kind in extra.MsgType)', () => {
    for (const kind of ['video', 'shortvideo']) {
      const ev = normalize(`<MsgType><![CDATA[${kind}]]></MsgType><MediaId><![CDATA[v]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId><MsgId>5</MsgId>`);
      expect(ev.message).toMatchObject({ type: 'video', media: { mediaId: 'v', thumbMediaId: 't' }, extra: { MsgType: kind } });
    }
  });

  it('location', () => {
    const ev = normalize('<MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>6</MsgId>');
    expect(ev.message.location).toEqual({ latitude: '23.134521', longitude: '113.358803', scale: '20', label: '位置信息' });
  });

  it('link', () => {
    const ev = normalize('<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[公众平台官网链接]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[https://mp.weixin.qq.com]]></Url><MsgId>7</MsgId>');
    expect(ev.message.link).toEqual({ title: '公众平台官网链接', description: 'd', url: 'https://mp.weixin.qq.com' });
  });

  it('an unknown MsgType (even "constructor") is kept as unknown', () => {
    expect(normalize('<MsgType>constructor</MsgType><MsgId>8</MsgId>').message.type).toBe('unknown');
  });

  it('refuses a message without sender or with a bad CreateTime', () => {
    expect(() => normalizeMpXml(xmlRoot(parseSafeXml('<xml><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>')))).toThrow(XmlRejected);
    expect(() => normalizeMpXml(xmlRoot(parseSafeXml('<xml><FromUserName>o</FromUserName><CreateTime>12345678901</CreateTime><MsgType>text</MsgType></xml>')))).toThrow(XmlRejected);
  });
});

describe('normalizeMpXml: events (§9.2)', () => {
  const ev = (fields: string) => normalize(`<MsgType><![CDATA[event]]></MsgType>${fields}`);

  it('subscribe without a scene', () => {
    const e = ev('<Event><![CDATA[subscribe]]></Event>');
    expect(e.message).toMatchObject({ type: 'event', event: { name: 'subscribe' } });
    expect(e.message.extra?.['scene']).toBeUndefined();
    expect(e.dedupeKey).toBe('event:oUser:1700000000:subscribe:');
  });

  it('subscribe by scanning a parameterized QR code: scene without the qrscene_ prefix, Ticket kept', () => {
    const e = ev('<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>');
    expect(e.message.event).toEqual({ name: 'subscribe', key: 'qrscene_123123' });
    expect(e.message.extra).toMatchObject({ scene: '123123', Ticket: 'TICKET', EventKey: 'qrscene_123123' });
    expect(e.dedupeKey).toBe('event:oUser:1700000000:subscribe:qrscene_123123');
  });

  it('unsubscribe', () => {
    expect(ev('<Event><![CDATA[unsubscribe]]></Event>').message.event).toEqual({ name: 'unsubscribe' });
  });

  it('SCAN: the scene is the EventKey as is', () => {
    const e = ev('<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[T]]></Ticket>');
    expect(e.message.extra).toMatchObject({ scene: 'SCENE_VALUE', Ticket: 'T' });
  });

  it('CLICK and VIEW (menu key, URL, MenuId)', () => {
    expect(ev('<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>').message.event).toEqual({ name: 'CLICK', key: 'V1001_TODAY_MUSIC' });
    const view = ev('<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://www.qq.com/]]></EventKey><MenuId>208396938</MenuId>');
    expect(view.message.event).toEqual({ name: 'VIEW', key: 'https://www.qq.com/' });
    expect(view.message.extra?.['MenuId']).toBe('208396938');
  });

  it('LOCATION (reported location)', () => {
    const e = ev('<Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>');
    expect(e.message.location).toEqual({ latitude: '23.137466', longitude: '113.352425' });
    expect(e.message.extra?.['Precision']).toBe('119.385040');
  });

  it('TEMPLATESENDJOBFINISH: MsgID and Status kept, MsgID in the dedupe key', () => {
    const e = ev('<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[failed: system failed]]></Status>');
    expect(e.message.extra).toMatchObject({ MsgID: '200163836', Status: 'failed: system failed' });
    expect(e.dedupeKey).toBe('event:oUser:1700000000:TEMPLATESENDJOBFINISH:200163836');
  });

  it('a re-delivery keeps its key; two different events in one second do not collide', () => {
    const a = ev('<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[A]]></EventKey>');
    const again = ev('<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[A]]></EventKey>');
    const b = ev('<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[B]]></EventKey>');
    expect(again.dedupeKey).toBe(a.dedupeKey);
    expect(b.dedupeKey).not.toBe(a.dedupeKey);
  });

  it('keeps dedupe keys within 255 characters (a VIEW URL can be long)', () => {
    const key = mpDedupeKey(xmlRoot(parseSafeXml(`<xml>${HEAD}<MsgType>event</MsgType><Event>VIEW</Event><EventKey>https://x.example/${'a'.repeat(400)}</EventKey></xml>`)));
    expect(key.length).toBe(255);
  });
});
