/** Options of `WecomSim.addApp`: one self-built app (自建应用) of a corp. */
export interface WecomAppOptions {
  corpId: string;
  agentId: number | string;
  secret: string;
  /** Callback Token the sim signs pushes with; random (32 alnum) when omitted. */
  token?: string;
  /** Callback EncodingAESKey (43 chars) the sim encrypts pushes with; random when omitted. */
  encodingAesKey?: string;
  /** `expires_in` of access tokens and their real lifetime. Default 7200. */
  tokenTtlSeconds?: number;
}

/** A registered app with every setting resolved (hand `token`/`encodingAesKey` to the gateway). */
export interface WecomApp {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
  tokenTtlSeconds: number;
}

/** A message accepted by `message/send`. */
export interface WecomSentMessage {
  corpId: string;
  agentId: number;
  /** Parsed JSON body as the gateway sent it. */
  body: Record<string, unknown>;
  msgid: string;
  at: Date;
  /**
   * When the request arrived, in epoch milliseconds with sub-millisecond precision (`at` is whole
   * milliseconds): what a rate check at the platform would count.
   */
  arrivedAt?: number;
  /** True when `textOverLimit: 'truncate'` cut text/markdown content to 2048 bytes. */
  truncated?: boolean;
}

/** A stored temporary media file (uploaded by the gateway or created by a test). */
export interface WecomMedia {
  corpId: string;
  mediaId: string;
  type: WecomMediaType;
  bytes: Buffer;
  contentType: string;
  fileName: string;
  createdAt: Date;
  /** 'upload' = via media/upload, 'test' = via addMedia. */
  source: 'upload' | 'test';
}

export type WecomMediaType = 'image' | 'voice' | 'video' | 'file';

export interface WecomAddMediaOptions {
  bytes: Buffer | Uint8Array | string;
  contentType: string;
  fileName: string;
  type?: WecomMediaType;
}

/** Behaviour switches (all have realistic or test-friendly defaults). */
export interface WecomSimSettings {
  /**
   * What message/send does with text/markdown content over 2048 bytes. The doc says the
   * platform truncates; 'reject' (default) answers 45002 so gateway tests catch oversized
   * sends instead of silently losing text. 'truncate' accepts and records the cut content.
   */
  textOverLimit: 'reject' | 'truncate';
  /** Append WeCom's `, hint: [...], from ip: ..., more info at ...` suffix to every errmsg. Default false. */
  errmsgHints: boolean;
}

// ---- inbound messages the sim pushes to a callback URL ----

interface InboundBase {
  /** Member UserID (FromUserName). */
  fromUser: string;
  /** CreateTime (epoch seconds); default now. */
  createTime?: number;
  /** AgentID; default the app's. */
  agentId?: number | string;
}

interface InboundMessageBase extends InboundBase {
  /** MsgId; default a random 19-digit numeric string. */
  msgId?: string;
}

export type WecomInboundMessage =
  | (InboundMessageBase & { type: 'text'; content: string })
  | (InboundMessageBase & { type: 'image'; mediaId: string; picUrl?: string })
  | (InboundMessageBase & { type: 'voice'; mediaId: string; format?: string })
  | (InboundMessageBase & { type: 'video'; mediaId: string; thumbMediaId: string })
  | (InboundMessageBase & { type: 'location'; x: number | string; y: number | string; scale: number | string; label: string })
  | (InboundMessageBase & { type: 'link'; title: string; description: string; url: string; picUrl: string })
  | (InboundBase & { type: 'event'; event: WecomInboundEvent; eventKey?: string });

export type WecomInboundEvent = 'enter_agent' | 'subscribe' | 'unsubscribe' | 'click' | 'view';

export interface WecomHttpResult {
  /** 0 when no HTTP answer arrived (see `error`). */
  status: number;
  body: string;
  durationMs: number;
  error?: string;
}

export interface WecomPushOptions {
  /** Send the identical request this many times, one after the other. Default 1. */
  deliveries?: number;
  timestamp?: string;
  nonce?: string;
  /** Which app of the corp (default: the first registered). */
  agentId?: number | string;
  /** Per-delivery HTTP timeout. Default 5000. */
  timeoutMs?: number;
}

export interface WecomPushResult {
  /** MsgId of the pushed message (undefined for events, which have none). */
  msgId?: string;
  /** What the receiver should dedup on: MsgId, or for events `FromUserName + CreateTime`. */
  dedupKey: string;
  responses: WecomHttpResult[];
  /** The plaintext XML that was encrypted. */
  innerXml: string;
  /** The exact request (identical for every delivery). */
  request: { url: string; body: string };
}

export interface WecomPushWithRetriesOptions {
  /** Wait this long for an HTTP 200 before re-delivering. Default 5000 (WeCom's 5 s). */
  timeoutMs?: number;
  /** Deliveries in total, first one included. Default 3. */
  maxDeliveries?: number;
  timestamp?: string;
  nonce?: string;
  agentId?: number | string;
}

export interface WecomPushWithRetriesResult extends WecomPushResult {
  /** True when some delivery got HTTP 200. */
  acknowledged: boolean;
}

export interface WecomVerifyUrlOptions {
  timestamp?: string;
  nonce?: string;
  agentId?: number | string;
  /** Plaintext echostr; default a random 19-digit numeric string (as WeCom sends). */
  echoPlain?: string;
  timeoutMs?: number;
}

export interface WecomVerifyUrlResult {
  status: number;
  body: string;
  /** The plaintext the receiver must answer with. */
  expected: string;
  error?: string;
  url: string;
}

export interface WecomEncryptedPostOptions {
  timestamp?: string;
  nonce?: string;
  /** Override the app's Token (hostile variants). */
  token?: string;
  /** Override the app's EncodingAESKey. */
  encodingAesKey?: string;
  /** Override the receiveId inside the ciphertext (default corpId). */
  receiveId?: string;
  /** AgentID of the envelope; default the app's. */
  agentId?: number | string;
  /** ToUserName of the envelope; default corpId. */
  toUserName?: string;
}

export interface WecomEncryptedPost {
  query: Record<string, string>;
  body: string;
  /** `callbackUrl` with the query appended (values percent-encoded: `+`→%2B, `/`→%2F, `=`→%3D). */
  url(callbackUrl: string): string;
}
