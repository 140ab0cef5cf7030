import { decodeEncodingAesKey, wxEncryptReply, wxReplyXml } from '@imbridge/crypto';
import { cdata, type CallbackHttpReply } from '@imbridge/platform-core';
import type { MpOpenedCallback } from './mp.callback';
import type { MpConfig } from './mp.descriptor';

/** A passive reply (§2.2): what the bot answers inside the callback. */
export type MpPassiveReply =
  | { type: 'text'; content: string }
  | { type: 'image'; mediaId: string }
  | { type: 'news'; articles: { title: string; description?: string; picUrl?: string; url?: string }[] };

/**
 * News articles per passive reply: only 1 when the user sent a message (text, image, voice, video,
 * location …), up to 8 in other scenes (events) (§2.2, since 2018-10).
 */
export const MP_NEWS_MAX_ARTICLES_AFTER_MESSAGE = 1;
export const MP_NEWS_MAX_ARTICLES = 8;

/**
 * The reply XML: To/From swapped from the request (ToUserName = the user's openid, FromUserName =
 * the account's original id gh_…), CreateTime in seconds. Every text is a CDATA section with "]]>"
 * split, so user-influenced text cannot break out of it.
 */
export function mpReplyXml(reply: MpPassiveReply, to: { toUser: string; fromUser: string; createTime: number }): string {
  const head =
    `<xml><ToUserName>${cdata(to.toUser)}</ToUserName><FromUserName>${cdata(to.fromUser)}</FromUserName>` +
    `<CreateTime>${Math.floor(to.createTime)}</CreateTime><MsgType>${cdata(reply.type)}</MsgType>`;
  switch (reply.type) {
    case 'text':
      return `${head}<Content>${cdata(reply.content)}</Content></xml>`;
    case 'image':
      return `${head}<Image><MediaId>${cdata(reply.mediaId)}</MediaId></Image></xml>`;
    case 'news': {
      const items = reply.articles
        .slice(0, MP_NEWS_MAX_ARTICLES)
        .map(
          (a) =>
            `<item><Title>${cdata(a.title)}</Title><Description>${cdata(a.description ?? '')}</Description>` +
            `<PicUrl>${cdata(a.picUrl ?? '')}</PicUrl><Url>${cdata(a.url ?? '')}</Url></item>`,
        );
      return `${head}<ArticleCount>${items.length}</ArticleCount><Articles>${items.join('')}</Articles></xml>`;
    }
  }
}

/**
 * The encrypted reply envelope (§1.6): Encrypt (receiveid = AppID), MsgSignature over
 * token/TimeStamp/Nonce/Encrypt, TimeStamp, Nonce. `random` only for tests against official vectors.
 */
export function encryptMpReplyXml(
  cfg: Pick<MpConfig, 'appId' | 'token' | 'encodingAesKey'>,
  xml: string,
  timestamp: string,
  nonce: string,
  random?: Buffer,
): string {
  if (cfg.encodingAesKey === undefined) throw new Error('mp: an encrypted reply needs the EncodingAESKey');
  return wxReplyXml(wxEncryptReply(cfg.token, decodeEncodingAesKey(cfg.encodingAesKey), cfg.appId, xml, timestamp, nonce, random));
}

/**
 * The HTTP answer carrying a passive reply to an opened callback: plain XML when the request was
 * plain, the encrypted envelope whenever it was encrypted (safe and compatible mode). The envelope
 * echoes the request's nonce, as the official samples do; `now` gives CreateTime and TimeStamp.
 */
export function mpPassiveReplyHttp(
  cfg: Pick<MpConfig, 'appId' | 'token' | 'encodingAesKey'>,
  opened: Pick<MpOpenedCallback, 'encrypted' | 'nonce'> & { userOpenId: string; accountId: string },
  reply: MpPassiveReply,
  now: Date,
  random?: Buffer,
): CallbackHttpReply {
  const seconds = Math.floor(now.getTime() / 1000);
  const xml = mpReplyXml(reply, { toUser: opened.userOpenId, fromUser: opened.accountId, createTime: seconds });
  const body = opened.encrypted ? encryptMpReplyXml(cfg, xml, String(seconds), opened.nonce, random) : xml;
  return { status: 200, contentType: 'application/xml; charset=utf-8', body };
}
