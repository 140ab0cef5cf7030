import { wxSignature } from '@imbridge/crypto';
import { parseSafeXml, xmlRoot, xmlText, type XmlObject } from '@imbridge/platform-core';
import { decryptMp } from './mp.callback';
import { mpPassiveReplyHttp, mpReplyXml } from './mp.reply';

const CFG = { appId: 'wx0123456789abcdef', token: 'mpToken123', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const TO = { toUser: 'oUser', fromUser: 'gh_abc', createTime: 1_700_000_000 };
const NOW = new Date(1_700_000_123_000);

describe('mpReplyXml (§2.2)', () => {
  it('builds the text reply of the protocol notes', () => {
    expect(mpReplyXml({ type: 'text', content: '你好' }, { toUser: 'toUser', fromUser: 'fromUser', createTime: 12345678 })).toBe(
      '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>12345678</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>',
    );
  });

  it('splits "]]>" so the text survives and cannot close the CDATA section', () => {
    const content = 'a]]><MsgType>image</MsgType>]]>b';
    const xml = mpReplyXml({ type: 'text', content }, TO);
    const root = xmlRoot(parseSafeXml(xml));
    expect(xmlText(root, 'Content')).toBe(content);
    expect(xmlText(root, 'MsgType')).toBe('text');
  });

  it('builds image and news replies', () => {
    const image = xmlRoot(parseSafeXml(mpReplyXml({ type: 'image', mediaId: 'media_id' }, TO)));
    expect(xmlText(image['Image'] as XmlObject, 'MediaId')).toBe('media_id');
    const news = mpReplyXml({ type: 'news', articles: [{ title: 'title1', description: 'description1', picUrl: 'picurl', url: 'url' }] }, TO);
    expect(news).toContain(
      '<ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[title1]]></Title><Description><![CDATA[description1]]></Description><PicUrl><![CDATA[picurl]]></PicUrl><Url><![CDATA[url]]></Url></item></Articles>',
    );
    const many = mpReplyXml({ type: 'news', articles: Array.from({ length: 10 }, (_, i) => ({ title: `t${i}` })) }, TO);
    expect(many).toContain('<ArticleCount>8</ArticleCount>');
  });
});

describe('mpPassiveReplyHttp', () => {
  it('answers a plain request with plain XML', () => {
    const reply = mpPassiveReplyHttp(CFG, { encrypted: false, nonce: 'n', userOpenId: 'oUser', accountId: 'gh_abc' }, { type: 'text', content: 'hi' }, NOW);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(mpReplyXml({ type: 'text', content: 'hi' }, { ...TO, createTime: 1_700_000_123 }));
  });

  it('answers an encrypted request with the signed envelope (§1.6), echoing the nonce, receiveid = AppID', () => {
    const reply = mpPassiveReplyHttp(CFG, { encrypted: true, nonce: '1372623149', userOpenId: 'oUser', accountId: 'gh_abc' }, { type: 'text', content: '你好]]>' }, NOW);
    const env = xmlRoot(parseSafeXml(reply.body));
    expect(Object.keys(env).sort()).toEqual(['Encrypt', 'MsgSignature', 'Nonce', 'TimeStamp']);
    const encrypt = xmlText(env, 'Encrypt') ?? '';
    expect(xmlText(env, 'TimeStamp')).toBe('1700000123');
    expect(xmlText(env, 'Nonce')).toBe('1372623149');
    expect(xmlText(env, 'MsgSignature')).toBe(wxSignature(CFG.token, '1700000123', '1372623149', encrypt));
    const inner = xmlRoot(parseSafeXml(decryptMp(CFG, encrypt)));
    expect(xmlText(inner, 'Content')).toBe('你好]]>');
    expect(xmlText(inner, 'ToUserName')).toBe('oUser');
    expect(xmlText(inner, 'FromUserName')).toBe('gh_abc');
  });
});
