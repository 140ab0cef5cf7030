import { decodeEncodingAesKey, timingSafeEqualStr, wxDecryptFor, wxEncrypt, wxSignature } from '@imbridge/crypto';
import { sendOutbound, type OutboundResult } from '../core/outbound-http.client';
import { SimInputError } from '../core/sim-errors';
import { cdataElement, readXmlElement } from '../core/xml.util';
import { buildInboundXml, randomDigits } from './wecom-inbound-xml.builder';
import type {
  WecomApp,
  WecomEncryptedPost,
  WecomEncryptedPostOptions,
  WecomHttpResult,
  WecomInboundMessage,
  WecomPushOptions,
  WecomPushResult,
  WecomPushWithRetriesOptions,
  WecomPushWithRetriesResult,
  WecomVerifyUrlOptions,
  WecomVerifyUrlResult,
} from './wecom-sim.types';
import type { WecomStateStore } from './wecom-state.store';

/** WeCom's callback timeout (and the sim's default per-delivery HTTP timeout). */
export const WECOM_CALLBACK_TIMEOUT_MS = 5000;
/** WeCom delivers a callback at most this many times. */
export const WECOM_CALLBACK_MAX_DELIVERIES = 3;

/** Appends query parameters, percent-encoding values with encodeURIComponent (`+`→%2B, `/`→%2F, `=`→%3D). */
export function appendQuery(baseUrl: string, query: Record<string, string>): string {
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const hashAt = baseUrl.indexOf('#');
  const base = hashAt >= 0 ? baseUrl.slice(0, hashAt) : baseUrl;
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${sep}${qs}`;
}

function nowSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}

function toHttpResult(r: OutboundResult): WecomHttpResult {
  return r.error === undefined ? { status: r.status, body: r.body, durationMs: r.durationMs } : { status: r.status, body: r.body, durationMs: r.durationMs, error: r.error };
}

function checkDeliveries(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > 100) throw new SimInputError(`${what} must be an integer between 1 and 100`);
}

/**
 * The sim playing WeCom towards the gateway: URL verification, encrypted message/event
 * pushes, WeCom's re-delivery behaviour, and hand-crafted (hostile) requests.
 */
export class WecomCallbackClient {
  constructor(private readonly state: WecomStateStore) {}

  /**
   * An encrypted callback POST for `innerXml`, signed like WeCom does. Overrides allow hostile
   * variants: another token (bad signature), another key, another receiveId, an old timestamp.
   */
  buildEncryptedPost(corpId: string, innerXml: string, opts: WecomEncryptedPostOptions = {}): WecomEncryptedPost {
    const app = this.state.findApp(corpId, opts.agentId);
    const token = opts.token ?? app?.token;
    const encodingAesKey = opts.encodingAesKey ?? app?.encodingAesKey;
    if (token === undefined || encodingAesKey === undefined) {
      throw new SimInputError(`unknown corpId ${corpId}: register the app or pass token and encodingAesKey`, { status: 404, code: 'unknown_app' });
    }
    const timestamp = opts.timestamp ?? nowSeconds();
    const nonce = opts.nonce ?? randomDigits(10);
    const encrypt = wxEncrypt(decodeEncodingAesKey(encodingAesKey), innerXml, opts.receiveId ?? corpId);
    const query = { msg_signature: wxSignature(token, timestamp, nonce, encrypt), timestamp, nonce };
    const agentId = opts.agentId ?? app?.agentId ?? '';
    const body = `<xml>${cdataElement('ToUserName', opts.toUserName ?? corpId)}${cdataElement('Encrypt', encrypt)}${cdataElement('AgentID', String(agentId))}</xml>`;
    return { query, body, url: (callbackUrl: string) => appendQuery(callbackUrl, query) };
  }

  /** Sends the URL-verification GET (encrypted random numeric echostr) and reports what came back. */
  async verifyUrl(callbackUrl: string, corpId: string, opts: WecomVerifyUrlOptions = {}): Promise<WecomVerifyUrlResult> {
    const app = this.state.requireApp(corpId, opts.agentId);
    const expected = opts.echoPlain ?? randomDigits(19);
    const timestamp = opts.timestamp ?? nowSeconds();
    const nonce = opts.nonce ?? randomDigits(10);
    const echostr = wxEncrypt(decodeEncodingAesKey(app.encodingAesKey), expected, corpId);
    const url = appendQuery(callbackUrl, { msg_signature: wxSignature(app.token, timestamp, nonce, echostr), timestamp, nonce, echostr });
    const r = await sendOutbound({ method: 'GET', url, timeoutMs: opts.timeoutMs ?? WECOM_CALLBACK_TIMEOUT_MS });
    return { ...toHttpResult(r), expected, url };
  }

  /** Pushes one message/event; with `deliveries: n` sends the identical request n times in a row. */
  async push(callbackUrl: string, corpId: string, message: WecomInboundMessage, opts: WecomPushOptions = {}): Promise<WecomPushResult> {
    const deliveries = opts.deliveries ?? 1;
    checkDeliveries(deliveries, 'deliveries');
    const prepared = this.prepare(callbackUrl, corpId, message, opts);
    const responses: WecomHttpResult[] = [];
    for (let i = 0; i < deliveries; i++) {
      responses.push(toHttpResult(await this.deliver(prepared.request, opts.timeoutMs ?? WECOM_CALLBACK_TIMEOUT_MS)));
    }
    return { ...prepared, responses };
  }

  /**
   * WeCom's delivery loop: when no HTTP 200 arrives within `timeoutMs` (slow answer or any
   * other status), drop the connection and deliver the identical request again, up to
   * `maxDeliveries` in total. Stops at the first 200.
   */
  async pushWithRetries(
    callbackUrl: string,
    corpId: string,
    message: WecomInboundMessage,
    opts: WecomPushWithRetriesOptions = {},
  ): Promise<WecomPushWithRetriesResult> {
    const maxDeliveries = opts.maxDeliveries ?? WECOM_CALLBACK_MAX_DELIVERIES;
    checkDeliveries(maxDeliveries, 'maxDeliveries');
    const prepared = this.prepare(callbackUrl, corpId, message, opts);
    const responses: WecomHttpResult[] = [];
    let acknowledged = false;
    while (responses.length < maxDeliveries && !acknowledged) {
      const r = await this.deliver(prepared.request, opts.timeoutMs ?? WECOM_CALLBACK_TIMEOUT_MS);
      responses.push(toHttpResult(r));
      acknowledged = r.status === 200;
    }
    return { ...prepared, responses, acknowledged };
  }

  /**
   * Opens an encrypted passive reply (§1.6 envelope) the gateway answered a push with:
   * checks MsgSignature with the app's token and decrypts with receiveId = corpId.
   * Throws when the envelope is malformed, the signature is wrong or the receiveId differs.
   */
  decryptPassiveReply(corpId: string, body: string, opts: { agentId?: number | string } = {}): { xml: string; timestamp: string; nonce: string } {
    const app = this.state.requireApp(corpId, opts.agentId);
    const encrypt = readXmlElement(body, 'Encrypt');
    const signature = readXmlElement(body, 'MsgSignature');
    const timestamp = readXmlElement(body, 'TimeStamp');
    const nonce = readXmlElement(body, 'Nonce');
    if (!encrypt || !signature || timestamp === undefined || nonce === undefined) {
      throw new Error('passive reply is not an encrypted envelope (Encrypt, MsgSignature, TimeStamp, Nonce)');
    }
    if (!timingSafeEqualStr(wxSignature(app.token, timestamp, nonce, encrypt), signature)) {
      throw new Error('passive reply MsgSignature does not match');
    }
    const xml = wxDecryptFor(decodeEncodingAesKey(app.encodingAesKey), encrypt, corpId).toString('utf8');
    return { xml, timestamp, nonce };
  }

  private prepare(
    callbackUrl: string,
    corpId: string,
    message: WecomInboundMessage,
    opts: { timestamp?: string; nonce?: string; agentId?: number | string },
  ): Omit<WecomPushResult, 'responses'> {
    const app: WecomApp = this.state.requireApp(corpId, opts.agentId);
    const built = buildInboundXml(corpId, app.agentId, message);
    const post = this.buildEncryptedPost(corpId, built.xml, { timestamp: opts.timestamp, nonce: opts.nonce, agentId: app.agentId });
    return {
      ...(built.msgId !== undefined ? { msgId: built.msgId } : {}),
      dedupKey: built.dedupKey,
      innerXml: built.xml,
      request: { url: post.url(callbackUrl), body: post.body },
    };
  }

  private deliver(request: { url: string; body: string }, timeoutMs: number): Promise<OutboundResult> {
    return sendOutbound({
      method: 'POST',
      url: request.url,
      headers: { 'content-type': 'text/xml', 'user-agent': 'Mozilla/4.0 (imbridge platform-sim; WeCom callback)' },
      body: request.body,
      timeoutMs,
    });
  }
}
