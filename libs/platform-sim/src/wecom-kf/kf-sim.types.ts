/** A 微信客服 account (客服帐号) of a corp. */
export interface KfAccount {
  corpId: string;
  openKfid: string;
  name: string;
  avatar: string;
  managePrivilege: boolean;
}

/** A servicer (接待人员) of an account; status 0 = receiving, 1 = stopped. */
export interface KfServicer {
  userid: string;
  status: 0 | 1;
}

/** One entry of an account's message log as sync_msg returns it. */
export interface KfLogEntry {
  /** Position in the account's log (1-based); what cursors point after. */
  seq: number;
  msgid: string;
  /** sync_msg item (msgid, send_time, origin, msgtype, ...). */
  item: Record<string, unknown>;
}

/** 0 untreated, 1 smart assistant, 2 queued, 3 servicer, 4 ended / not started. */
export type KfServiceState = 0 | 1 | 2 | 3 | 4;

export interface KfSessionView {
  openKfid: string;
  externalUserId: string;
  serviceState: KfServiceState;
  servicerUserId: string | null;
  /** Sim-clock ms of the customer's last message (null: never wrote). */
  lastCustomerAt: number | null;
  /** Messages sent via send_msg since the customer's last message. */
  sentSinceCustomer: number;
  /** 5 minus sentSinceCustomer (0 when the 48 h window is over). */
  quotaLeft: number;
}

/** A message the customer received (send_msg or send_msg_on_event accepted it). */
export interface KfDeliveredMessage {
  openKfid: string;
  externalUserId: string;
  msgid: string;
  msgtype: string;
  body: Record<string, unknown>;
  via: 'send_msg' | 'send_msg_on_event';
  at: number;
}

/** How a callback is pushed when a log entry is appended. */
export type KfCallbackMode = 'normal' | 'duplicate' | 'hold' | 'none';

export interface KfCallbackRecord {
  corpId: string;
  openKfid: string;
  token: string;
  status: number;
  error?: string;
}

export interface KfSimSettings {
  /** What send_msg does with a msgid already used on the account: answer ok with it again (nothing sent) or an error. */
  duplicateMsgid: 'idempotent' | 'error';
  /** Over the 5-message quota / outside 48 h: 'reject' = errcode + msg_send_fail; 'accept' = ok, then msg_send_fail. */
  quotaMode: 'reject' | 'accept';
  /** sync_msg without a callback token: at most `max` calls per account per `windowMs` (sim clock). */
  syncWithoutToken: { max: number; windowMs: number };
}

export type KfCustomerMessage =
  /** menuId: the customer tapped a click option of a msgmenu (the text is the option's content). */
  | { type: 'text'; content: string; menuId?: string }
  /** Without mediaId the sim stores a small PNG downloadable through media/get. */
  | { type: 'image'; mediaId?: string }
  | { type: 'voice' }
  | { type: 'video' }
  /** fileName (default `document.pdf`) comes back in media/get's Content-Disposition. */
  | { type: 'file'; fileName?: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'link'; title: string; desc?: string; url: string; picUrl?: string }
  | { type: 'business_card'; userid: string }
  /** Without thumbMediaId the sim stores a small PNG thumbnail. */
  | { type: 'miniprogram'; appid: string; title?: string; pagepath?: string; thumbMediaId?: string }
  | { type: 'enter_session'; scene?: string; sceneParam?: string; welcome?: boolean };

export type KfCustomerMessageType = KfCustomerMessage['type'];

/** A contact URL kf/add_contact_way handed out. */
export interface KfIssuedLink {
  url: string;
  openKfid: string;
  scene: string;
  /** Sim-clock ms of the first issue. */
  createdAt: number;
}

/** One line of the chat page's 微信客服 transcript (what the customer sent and saw). */
export interface KfChatEntry {
  /** Stable across polls: `l<seq>` for log entries, `d<msgid>` for delivered messages. */
  id: string;
  from: 'customer' | 'kf' | 'servicer' | 'system';
  /** ISO time (sim clock; log entries have second precision). */
  at: string;
  msgid: string;
  msgtype: string;
  /** text: `text`; menu: `menu`; anything else carries a one-line summary in `text`. */
  kind: 'text' | 'menu' | 'event' | 'other';
  text?: string;
  menu?: KfChatMenu;
  /** Customer text sent by tapping a menu option. */
  menuId?: string;
  /** kf messages: how the gateway sent it. */
  via?: 'send_msg' | 'send_msg_on_event';
  servicerUserId?: string;
  /** The customer recalled this message (user_recall_msg). */
  recalled?: boolean;
}

export interface KfChatMenu {
  head?: string;
  items: KfChatMenuItem[];
  tail?: string;
}

export type KfChatMenuItem =
  | { type: 'click'; id: string; content: string }
  | { type: 'view'; url: string; content: string }
  | { type: 'miniprogram'; appid: string; pagepath: string; content: string }
  | { type: 'text'; content: string };
