/** How the account's server configuration encrypts callbacks (消息加解密方式). */
export type MpMode = 'plain' | 'compatible' | 'safe';
/** 服务号 or 订阅号. */
export type MpAccountType = 'service' | 'subscription';

/** Options of `MpSim.addAccount`: one Official Account (公众号). */
export interface MpAccountOptions {
  appId: string;
  appSecret: string;
  /** Server-config Token. */
  token: string;
  /** Server-config EncodingAESKey (43 chars); required for compatible/safe mode. */
  encodingAesKey?: string;
  mode?: MpMode;
  accountType?: MpAccountType;
  /** 微信认证 (verified). Default false. */
  verified?: boolean;
  /** Server URL callbacks are POSTed to. */
  callbackUrl?: string;
  /** Original id (原始ID, `gh_…`), the ToUserName of callbacks; default derived from appId. */
  originalId?: string;
}

/** A registered account with every setting resolved. */
export interface MpAccount {
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey?: string;
  mode: MpMode;
  accountType: MpAccountType;
  verified: boolean;
  callbackUrl?: string;
  originalId: string;
}

/** User actions that open a customer-service window (quota per kind). */
export type MpTriggerKind = 'message' | 'subscribe' | 'click' | 'scan';

/** How many custom/send messages one user action allows, and for how long. `count: null` = unlimited. */
export interface MpQuotaRule {
  count: number | null;
  windowSeconds: number;
}

export interface MpSimSettings {
  /** Per-delivery timeout of callback POSTs (WeChat: 5000 ms). */
  callbackTimeoutMs: number;
  /** Deliveries of one callback in total (WeChat: 3). */
  callbackMaxDeliveries: number;
  /** custom/send quota per trigger kind (current service-account doc: message 5/48 h, others 3/1 min). */
  quota: Record<MpTriggerKind, MpQuotaRule>;
  /** Lifetime of access tokens (both kinds). Default 7200. */
  tokenTtlSeconds: number;
}

// ---- inbound messages/events the sim pushes ----

interface InboundBase {
  /** CreateTime (epoch seconds); default the sim clock. */
  createTime?: number;
}

interface InboundMessageBase extends InboundBase {
  /** MsgId (64-bit integer as a string); random when omitted. */
  msgId?: string;
}

export type MpInboundEventName = 'subscribe' | 'unsubscribe' | 'SCAN' | 'CLICK' | 'VIEW' | 'LOCATION' | 'TEMPLATESENDJOBFINISH';

export type MpInboundMessage =
  | (InboundMessageBase & { type: 'text'; content: string })
  | (InboundMessageBase & { type: 'image'; mediaId: string; picUrl?: string })
  | (InboundMessageBase & { type: 'voice'; mediaId: string; format?: string; recognition?: string })
  | (InboundMessageBase & { type: 'video' | 'shortvideo'; mediaId: string; thumbMediaId: string })
  | (InboundMessageBase & { type: 'location'; x: number | string; y: number | string; scale: number | string; label: string })
  | (InboundMessageBase & { type: 'link'; title: string; description: string; url: string })
  | (InboundBase & {
      type: 'event';
      event: MpInboundEventName;
      eventKey?: string;
      ticket?: string;
      menuId?: string;
      latitude?: number | string;
      longitude?: number | string;
      precision?: number | string;
      /** TEMPLATESENDJOBFINISH: the msgid template/send answered, and the result. */
      templateMsgId?: string;
      status?: string;
    });

/** What one HTTP delivery of a callback got back. */
export interface MpDelivery {
  attempt: number;
  status: number;
  body: string;
  durationMs: number;
  error?: string;
  /**
   * acknowledged: 200 with '' or 'success'; reply: 200 with a valid passive reply;
   * bad_reply: 200 with something WeChat cannot use; timeout / http_error / network_error: retried.
   */
  outcome: 'acknowledged' | 'reply' | 'bad_reply' | 'timeout' | 'http_error' | 'network_error';
  /** Why a reply was refused (bad_reply). */
  problem?: string;
}

/** A passive reply as the user sees it. */
export interface MpReply {
  msgType: string;
  /** The decrypted/plain reply XML. */
  xml: string;
  content?: string;
  mediaId?: string;
  articleCount?: number;
  /** True when the reply came encrypted (§1.6 envelope). */
  encrypted: boolean;
}

/** One callback the sim pushed (with all its deliveries). */
export interface MpCallbackRecord {
  seq: number;
  appId: string;
  openId: string;
  mode: MpMode;
  msgType: string;
  event?: string;
  msgId?: string;
  /** MsgId, or FromUserName + CreateTime for events. */
  dedupKey: string;
  /** The plaintext message XML (inside Encrypt in safe mode). */
  innerXml: string;
  request: { url: string; body: string; query: Record<string, string> };
  deliveries: MpDelivery[];
  /** acknowledged / replied: done; failed: the user saw "该公众号暂时无法提供服务，请稍后再试". */
  outcome: 'acknowledged' | 'replied' | 'failed';
  reply?: MpReply;
  at: Date;
}

/** One line of a user's conversation as the user sees it. */
export interface MpTranscriptEntry {
  at: Date;
  /** user: what the user did; account: what the account sent; system: what WeChat showed. */
  from: 'user' | 'account' | 'system';
  /** For account lines: how it arrived. */
  via?: 'passive' | 'custom';
  msgType: string;
  /** Human-readable summary (text content, event name, media id, …). */
  text: string;
  /** The passive-reply XML or custom/send JSON. */
  raw?: unknown;
}

/** A message custom/send accepted. */
export interface MpDeliveredMessage {
  appId: string;
  openId: string;
  msgtype: string;
  body: Record<string, unknown>;
  /** Which user action's quota it used. */
  trigger: MpTriggerKind;
  at: Date;
}

export interface MpVerifyUrlResult {
  url: string;
  echostr: string;
  status: number;
  body: string;
  error?: string;
  /** True when the body is exactly the echostr. */
  ok: boolean;
}

export interface MpQrCode {
  appId: string;
  ticket: string;
  actionName: 'QR_SCENE' | 'QR_STR_SCENE' | 'QR_LIMIT_SCENE' | 'QR_LIMIT_STR_SCENE';
  /** scene_id or scene_str as a string. */
  scene: string;
  /** Epoch ms on the sim clock; undefined for permanent codes. */
  expiresAt?: number;
  url: string;
}

/** A temporary media file (临时素材) `GET /cgi-bin/media/get` serves (`MpSim.addMedia`). */
export interface MpMediaFile {
  mediaId: string;
  bytes: Buffer;
  contentType: string;
  /** The Content-Disposition file name; default `<mediaId>.<ext of contentType>`. */
  fileName: string;
  /** Only this account's tokens may fetch it; undefined: any account's. */
  appId?: string;
}
