/**
 * 微信客服 (wecom-kf): the console's view of the kf accounts an integration serves, their contact
 * links, servicers, and the platform's session state of a kf conversation.
 * REST: /api/integrations/:id/kf/* and GET /api/conversations/:id/kf-session (see apps/api/src/kf/README.md).
 */

/** What the customer gets when entering the session (enter_session → send_msg_on_event, within 20 s). */
export interface KfWelcome {
  enabled: boolean;
  type: 'text' | 'menu';
  /** The text (type text), ≤ 2048 bytes. */
  text?: string;
  /** The menu (type menu): options the customer can tap; a tap comes back as text with `menu_id`. */
  menu?: KfMenuSpec;
}

export interface KfMenuSpec {
  head?: string;
  items: { id: string; content: string }[];
  tail?: string;
}

/** Who answers when the bot hands a chat over: our console's agents, or WeCom servicers in the WeCom client. */
export type KfHandoffTarget = 'console' | 'wecom';
/** `bot`: the integration's bot pipeline (keywords → FAQ → external app) first; `human`: straight to the queue. */
export type KfPipeline = 'bot' | 'human';

export interface KfContactLink {
  scene: string;
  /** Appended as `&scene_param=…` (URL-encoded, ≤ 128 bytes) and returned in enter_session. */
  sceneParam: string | null;
  /** The URL the platform gave, with scene_param appended when set. */
  url: string;
  createdAt: string;
}

/** Settings an administrator chooses per kf account (PUT body; every field optional on PUT). */
export interface KfAccountSettings {
  /** This integration answers the account's customers (others are not pulled). */
  served: boolean;
  pipeline: KfPipeline;
  handoff: KfHandoffTarget;
  /** With handoff 'wecom': the servicer to transfer to (state 3); null = WeCom's queue (state 2) unless one is receiving. */
  servicerUserId: string | null;
  welcome: KfWelcome;
  /** Sent when a chat is closed from the console (send_msg_on_event with the end code); null/'' = none. */
  endMessage: string | null;
}

export interface KfAccountView extends KfAccountSettings {
  openKfId: string;
  name: string;
  avatar: string | null;
  /** False when kf/account/list no longer returns it (deleted on the platform); settings are kept. */
  onPlatform: boolean;
  links: KfContactLink[];
  /** The pull cursor's state: null = never pulled. */
  primedAt: string | null;
  lastPulledAt: string | null;
}

export interface KfServicerView {
  userId: string;
  /** 0 receiving (正在接待), 1 stopped (停止接待). */
  status: number;
}

/** WeCom's session states (kf/service_state). */
export type KfServiceState = 0 | 1 | 2 | 3 | 4;

export const KF_SERVICE_STATE_LABELS: Record<KfServiceState, { zh: string; en: string }> = {
  0: { zh: '未处理', en: 'New' },
  1: { zh: '智能助手接待', en: 'Bot (API) handling' },
  2: { zh: '待接入池排队中', en: 'In WeCom\'s queue' },
  3: { zh: '由人工接待', en: 'WeCom servicer handling' },
  4: { zh: '已结束', en: 'Ended' },
};

/** GET /api/conversations/:id/kf-session: what WeCom last said (or was told) about this chat. */
export interface KfSessionView {
  openKfId: string;
  externalUserId: string;
  /** Last known platform state; null = never synced. */
  serviceState: KfServiceState | null;
  servicerUserId: string | null;
  /** The state our conversation maps to (what we keep WeCom at). */
  desiredState: KfServiceState | null;
  syncedAt: string | null;
  /** The last failed sync, zh/en, with the platform code. */
  lastError: { code: string; message: string; messageZh?: string; platformCode?: string } | null;
}

/** Integration config field: what the first pull of an account does with the last 3 days. */
export const KF_HISTORY_FIELD = 'historyOnSetup';
export type KfHistoryOnSetup = 'skip' | 'import';

/** GET /api/integrations/:id/kf/accounts: the platform's list merged with our settings; on a platform error, what we stored. */
export interface KfAccountsResponse {
  accounts: KfAccountView[];
  platformError: { code: string; message: string; messageZh?: string; platformCode?: string } | null;
}
