import { decodeEncodingAesKey, timingSafeEqualStr, wxDecryptFor, wxEncrypt, wxPlainSignature, wxSignature } from '@imbridge/crypto';
import { sendOutbound, type OutboundResult } from '../core/outbound-http.client';
import { SimInputError } from '../core/sim-errors';
import { cdataElement, readXmlElement } from '../core/xml.util';
import { appendQuery } from '../wecom/wecom-callback.client';
import { buildMpInboundXml, describeInbound, isSilentEvent, randomDigits, triggerOf } from './mp-inbound-xml.builder';
import type { MpAccount, MpCallbackRecord, MpDelivery, MpInboundMessage, MpReply, MpVerifyUrlResult } from './mp-sim.types';
import type { MpStateStore } from './mp-state.store';

/** What the WeChat client shows when the server did not answer usably (§2.1). */
export const MP_SERVICE_UNAVAILABLE_TEXT = '该公众号暂时无法提供服务，请稍后再试';

const REPLY_TYPES = ['text', 'image', 'voice', 'video', 'music', 'news', 'transfer_customer_service'] as const;

export interface MpPushOptions {
  /** Override the account's callbackUrl. */
  callbackUrl?: string;
  timestamp?: string;
  nonce?: string;
}

export interface MpPreparedPush {
  url: string;
  body: string;
  query: Record<string, string>;
  innerXml: string;
  dedupKey: string;
  msgId?: string;
}

function realNowSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** The signed (and, per mode, encrypted) callback POST for one plaintext message XML. */
export function buildMpCallbackRequest(
  account: MpAccount,
  openId: string,
  innerXml: string,
  callbackUrl: string,
  opts: { timestamp?: string; nonce?: string } = {},
): { url: string; body: string; query: Record<string, string> } {
  const timestamp = opts.timestamp ?? realNowSeconds();
  const nonce = opts.nonce ?? randomDigits(10);
  const query: Record<string, string> = { signature: wxPlainSignature(account.token, timestamp, nonce), timestamp, nonce, openid: openId };
  if (account.mode === 'plain') return { url: appendQuery(callbackUrl, query), body: innerXml, query };
  const encrypt = wxEncrypt(decodeEncodingAesKey(account.encodingAesKey ?? ''), innerXml, account.appId);
  query['encrypt_type'] = 'aes';
  query['msg_signature'] = wxSignature(account.token, timestamp, nonce, encrypt);
  const body =
    account.mode === 'safe'
      ? `<xml>${cdataElement('ToUserName', account.originalId)}${cdataElement('Encrypt', encrypt)}</xml>`
      : innerXml.replace(/<\/xml>$/, `${cdataElement('Encrypt', encrypt)}</xml>`);
  return { url: appendQuery(callbackUrl, query), body, query };
}

type ReplyCheck = { ok: true; reply: MpReply } | { ok: false; problem: string };

/**
 * Reads a passive reply: encrypted envelope (MsgSignature checked, receiveid = appId) or plain
 * XML; plain XML is refused in safe mode and an envelope in plain mode [U]. ToUserName must be the
 * openid, FromUserName the original id; news: 1 article after a user message, else ≤ 8.
 */
export function parsePassiveReply(account: MpAccount, openId: string, body: string, afterUserMessage: boolean): ReplyCheck {
  let xml: string;
  let encrypted = false;
  try {
    if (/<Encrypt>/.test(body)) {
      if (account.mode === 'plain' || account.encodingAesKey === undefined) return { ok: false, problem: 'encrypted reply in plain mode' };
      const encrypt = readXmlElement(body, 'Encrypt');
      const signature = readXmlElement(body, 'MsgSignature');
      const timestamp = readXmlElement(body, 'TimeStamp');
      const nonce = readXmlElement(body, 'Nonce');
      if (!encrypt || !signature || timestamp === undefined || nonce === undefined) {
        return { ok: false, problem: 'encrypted reply lacks Encrypt, MsgSignature, TimeStamp or Nonce' };
      }
      if (!timingSafeEqualStr(wxSignature(account.token, timestamp, nonce, encrypt), signature)) return { ok: false, problem: 'MsgSignature does not match' };
      xml = wxDecryptFor(decodeEncodingAesKey(account.encodingAesKey), encrypt, account.appId).toString('utf8');
      encrypted = true;
    } else {
      if (account.mode === 'safe') return { ok: false, problem: 'plaintext reply in safe mode' };
      xml = body;
    }
    if (!/^\s*<xml>[\s\S]*<\/xml>\s*$/.test(xml)) return { ok: false, problem: 'reply is not an <xml> document' };
    const to = readXmlElement(xml, 'ToUserName');
    const from = readXmlElement(xml, 'FromUserName');
    const msgType = readXmlElement(xml, 'MsgType') ?? '';
    if (to !== openId) return { ok: false, problem: `ToUserName ${String(to)} is not the user ${openId}` };
    if (from !== account.originalId) return { ok: false, problem: `FromUserName ${String(from)} is not the account ${account.originalId}` };
    if (!/^\d+$/.test(readXmlElement(xml, 'CreateTime') ?? '')) return { ok: false, problem: 'CreateTime missing or not an integer' };
    if (!(REPLY_TYPES as readonly string[]).includes(msgType)) return { ok: false, problem: `unsupported MsgType ${msgType}` };
    const reply: MpReply = { msgType, xml, encrypted };
    if (msgType === 'text') {
      const content = readXmlElement(xml, 'Content');
      if (content === undefined) return { ok: false, problem: 'text reply without Content' };
      reply.content = content;
    } else if (msgType === 'image' || msgType === 'voice' || msgType === 'video') {
      const wrapper = msgType === 'image' ? 'Image' : msgType === 'voice' ? 'Voice' : 'Video';
      const mediaId = new RegExp(`<${wrapper}>[\\s\\S]*<MediaId>`).test(xml) ? readXmlElement(xml, 'MediaId') : undefined;
      if (!mediaId) return { ok: false, problem: `${msgType} reply without MediaId` };
      reply.mediaId = mediaId;
    } else if (msgType === 'news') {
      const items = (xml.match(/<item>/g) ?? []).length;
      const declared = Number(readXmlElement(xml, 'ArticleCount'));
      if (items === 0 || declared !== items) return { ok: false, problem: `ArticleCount ${String(declared)} does not match ${items} items` };
      const max = afterUserMessage ? 1 : 8;
      if (items > max) return { ok: false, problem: `news reply with ${items} articles (at most ${max} here)` };
      reply.articleCount = items;
      reply.content = readXmlElement(xml, 'Title');
    }
    return { ok: true, reply };
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : String(err) };
  }
}

function deliveryOf(attempt: number, r: OutboundResult): Omit<MpDelivery, 'outcome'> {
  return { attempt, status: r.status, body: r.body, durationMs: r.durationMs, ...(r.error !== undefined ? { error: r.error } : {}) };
}

/** The sim playing the MP platform towards the gateway: server-config check and callbacks. */
export class MpCallbackClient {
  constructor(private readonly state: MpStateStore) {}

  /** Server-config verification: GET ?signature&timestamp&nonce&echostr; the body must be echostr unchanged. */
  async verifyUrl(appId: string, url?: string, opts: { timeoutMs?: number } = {}): Promise<MpVerifyUrlResult> {
    const account = this.state.requireAccount(appId);
    const target = url ?? account.callbackUrl;
    if (!target) throw new SimInputError(`account ${appId} has no callbackUrl; pass url`);
    const timestamp = realNowSeconds();
    const nonce = randomDigits(10);
    const echostr = randomDigits(19);
    const full = appendQuery(target, { signature: wxPlainSignature(account.token, timestamp, nonce), echostr, timestamp, nonce });
    const r = await sendOutbound({ method: 'GET', url: full, timeoutMs: opts.timeoutMs ?? this.state.settings.callbackTimeoutMs });
    return { url: full, echostr, status: r.status, body: r.body, ...(r.error !== undefined ? { error: r.error } : {}), ok: r.status === 200 && r.body === echostr };
  }

  /**
   * A user acts (message or event): updates follow state and the custom/send window, then POSTs
   * the callback; without a usable answer within the timeout the identical request is delivered
   * again, up to `callbackMaxDeliveries` in total. Everything is recorded.
   */
  async push(appId: string, openId: string, message: MpInboundMessage, opts: MpPushOptions = {}): Promise<MpCallbackRecord> {
    const account = this.state.requireAccount(appId);
    const callbackUrl = opts.callbackUrl ?? account.callbackUrl;
    if (!callbackUrl) throw new SimInputError(`account ${appId} has no callbackUrl`);
    const isEvent = message.type === 'event';
    const subscribed = isEvent && message.event === 'unsubscribe' ? false : true;
    const platformEvent = isEvent && message.event === 'TEMPLATESENDJOBFINISH';
    if (!platformEvent) this.state.userAction(appId, openId, { subscribed, trigger: triggerOf(message) });
    const at = new Date(this.state.now());
    if (!platformEvent) {
      this.state.addTranscript(appId, openId, { at, from: 'user', msgType: isEvent ? `event:${message.event}` : message.type, text: describeInbound(message) });
    }

    const built = buildMpInboundXml(account.originalId, openId, message, Math.floor(this.state.now() / 1000));
    const request = buildMpCallbackRequest(account, openId, built.xml, callbackUrl, opts);
    const deliveries: MpDelivery[] = [];
    const max = this.state.settings.callbackMaxDeliveries;
    let reply: MpReply | undefined;
    let outcome: MpCallbackRecord['outcome'] = 'failed';
    while (deliveries.length < max) {
      const r = await sendOutbound({
        method: 'POST',
        url: request.url,
        headers: { 'content-type': 'text/xml', 'user-agent': 'Mozilla/4.0 (imbridge platform-sim; WeChat MP callback)' },
        body: request.body,
        timeoutMs: this.state.settings.callbackTimeoutMs,
      });
      const base = deliveryOf(deliveries.length + 1, r);
      if (r.error !== undefined) {
        deliveries.push({ ...base, outcome: /^timeout/.test(r.error) ? 'timeout' : 'network_error' });
        continue;
      }
      if (r.status !== 200) {
        deliveries.push({ ...base, outcome: 'http_error' });
        continue;
      }
      const text = r.body.trim();
      if (text === '' || text === 'success') {
        deliveries.push({ ...base, outcome: 'acknowledged' });
        outcome = 'acknowledged';
        break;
      }
      const check = parsePassiveReply(account, openId, r.body, !isEvent);
      if (check.ok) {
        deliveries.push({ ...base, outcome: 'reply' });
        reply = check.reply;
        outcome = 'replied';
      } else {
        deliveries.push({ ...base, outcome: 'bad_reply', problem: check.problem });
      }
      break;
    }
    const done = new Date(this.state.now());
    if (reply && reply.msgType !== 'transfer_customer_service') {
      this.state.addTranscript(appId, openId, {
        at: done,
        from: 'account',
        via: 'passive',
        msgType: reply.msgType,
        text: reply.content ?? (reply.mediaId !== undefined ? `[${reply.msgType} ${reply.mediaId}]` : `[${reply.msgType}]`),
        raw: reply.xml,
      });
    } else if (outcome === 'failed' && !isSilentEvent(message)) {
      this.state.addTranscript(appId, openId, { at: done, from: 'system', msgType: 'text', text: MP_SERVICE_UNAVAILABLE_TEXT });
    }
    return this.state.addCallback({
      appId,
      openId,
      mode: account.mode,
      msgType: message.type,
      ...(isEvent ? { event: message.event } : {}),
      ...(built.msgId !== undefined ? { msgId: built.msgId } : {}),
      dedupKey: built.dedupKey,
      innerXml: built.xml,
      request,
      deliveries,
      outcome,
      ...(reply ? { reply } : {}),
      at,
    });
  }
}
