import { randomBytes } from 'node:crypto';
import { CallLogRecorder } from '../core/call-log.recorder';
import { FaultScriptRegistry } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import type { WecomError } from '../wecom/wecom-error-codes.constants';
import {
  KF_ERRORS,
  KF_FAIL_TYPE,
  KF_HISTORY_MS,
  KF_MSG_TOKEN_TTL_MS,
  KF_REPLY_CODE_TTL_MS,
  KF_SESSION_QUOTA,
  KF_SESSION_WINDOW_MS,
  KF_WELCOME_CODE_TTL_MS,
} from './kf-error-codes.constants';
import type {
  KfAccount,
  KfCallbackMode,
  KfDeliveredMessage,
  KfIssuedLink,
  KfLogEntry,
  KfServiceState,
  KfServicer,
  KfSessionView,
  KfSimSettings,
} from './kf-sim.types';

interface Session {
  state: KfServiceState;
  servicer: string | null;
  lastCustomerAt: number | null;
  sent: number;
  /** msg_code already handed out for reaching 2/3 in this session. */
  replyCodeIssued: boolean;
}

interface EventCode {
  code: string;
  openKfid: string;
  externalUserId: string;
  kind: 'welcome' | 'reply' | 'end';
  expiresAt: number;
  used: boolean;
  /** For reply/end codes: the state that produced it (the message is allowed only while still in it). */
  state?: KfServiceState;
}

export const DEFAULT_KF_SETTINGS: KfSimSettings = {
  duplicateMsgid: 'idempotent',
  quotaMode: 'reject',
  syncWithoutToken: { max: 10, windowMs: 60_000 },
};

/** The doc's transition table (§5.5); 4 is never settable by the API, 3 needs a servicer. */
const ALLOWED: Record<KfServiceState, readonly KfServiceState[]> = { 0: [1, 2, 3, 4], 1: [2, 3, 4], 2: [3, 4], 3: [3, 4], 4: [] };

/** A delivered message and the log length of its account at that moment (orders the chat transcript). */
export type KfDeliveredRecord = KfDeliveredMessage & { logSeq: number };

export type KfResult<T> = { ok: true; value: T } | { ok: false; error: WecomError };

const fail = (error: WecomError): { ok: false; error: WecomError } => ({ ok: false, error });

function sessionKey(openKfid: string, externalUserId: string): string {
  return `${openKfid}\u0000${externalUserId}`;
}

/** A customer's WeChat profile as kf/customer/batchget returns it. */
export interface KfCustomerProfile {
  nickname: string;
  avatar: string;
  /** 0 unknown, 1 male, 2 female. */
  gender: 0 | 1 | 2;
}

const defaultProfile = (externalUserId: string): KfCustomerProfile => ({ nickname: `微信用户${externalUserId.slice(-4)}`, avatar: '', gender: 0 });

/** In-memory 微信客服 state: accounts, logs, sessions, codes, deliveries; its own controllable clock. */
export class KfStateStore {
  readonly calls = new CallLogRecorder();
  readonly faults = new FaultScriptRegistry();
  settings: KfSimSettings = structuredClone(DEFAULT_KF_SETTINGS);
  clockOffsetMs = 0;

  readonly accounts = new Map<string, KfAccount>();
  readonly servicers = new Map<string, KfServicer[]>();
  readonly logs = new Map<string, KfLogEntry[]>();
  readonly delivered: KfDeliveredRecord[] = [];
  /** Contact URLs issued by add_contact_way, by URL. */
  readonly links = new Map<string, KfIssuedLink>();
  /** msgids of customer messages the customer recalled, per account. */
  readonly recalled = new Map<string, Set<string>>();
  readonly callbackUrls = new Map<string, { url: string; mode: KfCallbackMode }>();
  private readonly sessions = new Map<string, Session>();
  /** WeChat profiles of customers (external_userid → nickname …), for kf/customer/batchget. */
  private readonly customers = new Map<string, KfCustomerProfile>();
  private readonly msgTokens = new Map<string, { openKfid: string; expiresAt: number }>();
  private readonly codes = new Map<string, EventCode>();
  private readonly usedMsgids = new Map<string, Set<string>>();
  private readonly emptyPages = new Map<string, number>();
  private readonly tokenlessSyncs = new Map<string, number[]>();
  private seq = 0;

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  // ---- accounts ----

  addAccount(corpId: string, name: string, openKfid?: string): KfAccount {
    if (name.length === 0 || [...name].length > 16) throw new SimInputError('name must be 1..16 characters');
    const id = openKfid ?? `wk${randomBytes(15).toString('base64url')}`;
    if (!/^wk[0-9A-Za-z_-]+$/.test(id)) throw new SimInputError('openKfid must start with wk and be [0-9A-Za-z_-]');
    const acc: KfAccount = { corpId, openKfid: id, name, avatar: `https://wework.qpic.cn/sim/${id}/0`, managePrivilege: true };
    this.accounts.set(id, acc);
    if (!this.logs.has(id)) this.logs.set(id, []);
    if (!this.servicers.has(id)) this.servicers.set(id, []);
    return { ...acc };
  }

  /** The account when it exists and belongs to corpId. */
  account(corpId: string, openKfid: unknown): KfResult<KfAccount> {
    if (typeof openKfid !== 'string' || openKfid.length === 0) return fail(KF_ERRORS.invalidOpenKfid);
    const acc = this.accounts.get(openKfid);
    if (!acc || acc.corpId !== corpId) return fail(KF_ERRORS.openKfidNotExist);
    return { ok: true, value: acc };
  }

  requireAccount(openKfid: string): KfAccount {
    const acc = this.accounts.get(openKfid);
    if (!acc) throw new SimInputError(`unknown openKfid ${openKfid}`, { status: 404, code: 'unknown_account' });
    return acc;
  }

  listAccounts(corpId: string): KfAccount[] {
    return [...this.accounts.values()].filter((a) => a.corpId === corpId);
  }

  /** Adds or updates a servicer; `previous` is its status before (undefined when it is new). */
  setServicer(openKfid: string, userid: string, status: 0 | 1): { servicers: KfServicer[]; previous: 0 | 1 | undefined } {
    this.requireAccount(openKfid);
    const list = this.servicers.get(openKfid) ?? [];
    const existing = list.find((s) => s.userid === userid);
    const previous = existing?.status;
    if (existing) existing.status = status;
    else list.push({ userid, status });
    this.servicers.set(openKfid, list);
    return { servicers: list.map((s) => ({ ...s })), previous };
  }

  // ---- contact links ----

  /** Remembers a URL add_contact_way handed out (the first issue wins; the URL is deterministic). */
  issueLink(openKfid: string, scene: string, url: string): KfIssuedLink {
    const key = new URL(url).toString();
    let link = this.links.get(key);
    if (!link) {
      link = { url, openKfid, scene, createdAt: this.now() };
      this.links.set(key, link);
    }
    return { ...link };
  }

  findLink(url: URL): KfIssuedLink | undefined {
    const link = this.links.get(url.toString());
    return link && { ...link };
  }

  // ---- log ----

  /** Records what a customer received; remembers where in the account's log it happened. */
  deliver(msg: KfDeliveredMessage): void {
    this.delivered.push({ ...msg, logSeq: this.logs.get(msg.openKfid)?.length ?? 0 });
  }

  nextMsgid(prefix: string): string {
    this.seq += 1;
    return `${prefix}_${randomBytes(12).toString('hex')}${this.seq.toString(36)}`;
  }

  append(openKfid: string, item: Record<string, unknown>): KfLogEntry {
    const log = this.logs.get(openKfid) ?? [];
    const msgid = typeof item['msgid'] === 'string' ? item['msgid'] : this.nextMsgid('from_msgid');
    const entry: KfLogEntry = { seq: log.length + 1, msgid, item: { ...item, msgid } };
    log.push(entry);
    this.logs.set(openKfid, log);
    return entry;
  }

  /** Issues the callback Token that authorises sync_msg for 10 minutes. */
  issueMsgToken(openKfid: string): string {
    const token = `ENC${randomBytes(33).toString('base64url')}`;
    this.msgTokens.set(token, { openKfid, expiresAt: this.now() + KF_MSG_TOKEN_TTL_MS });
    return token;
  }

  checkMsgToken(token: string, openKfid: string): boolean {
    const rec = this.msgTokens.get(token);
    return rec !== undefined && rec.openKfid === openKfid && this.now() < rec.expiresAt;
  }

  /** Sliding-window rate limit for sync_msg without token; true = allowed (and counted). */
  takeTokenlessSync(openKfid: string): boolean {
    const { max, windowMs } = this.settings.syncWithoutToken;
    const now = this.now();
    const recent = (this.tokenlessSyncs.get(openKfid) ?? []).filter((t) => now - t < windowMs);
    const allowed = recent.length < max;
    if (allowed) recent.push(now);
    this.tokenlessSyncs.set(openKfid, recent);
    return allowed;
  }

  queueEmptyPages(openKfid: string, count: number): void {
    this.requireAccount(openKfid);
    this.emptyPages.set(openKfid, (this.emptyPages.get(openKfid) ?? 0) + count);
  }

  takeEmptyPage(openKfid: string): boolean {
    const n = this.emptyPages.get(openKfid) ?? 0;
    if (n <= 0) return false;
    this.emptyPages.set(openKfid, n - 1);
    return true;
  }

  /** Seq of the first entry to return when no cursor is given: the earliest within 3 days. */
  firstSeqWithinHistory(openKfid: string): number {
    const since = Math.floor((this.now() - KF_HISTORY_MS) / 1000);
    const log = this.logs.get(openKfid) ?? [];
    const first = log.find((e) => Number(e.item['send_time']) >= since);
    return first ? first.seq - 1 : log.length;
  }

  // ---- sessions ----

  private session(openKfid: string, externalUserId: string): Session {
    const key = sessionKey(openKfid, externalUserId);
    let s = this.sessions.get(key);
    if (!s) {
      s = { state: 4, servicer: null, lastCustomerAt: null, sent: 0, replyCodeIssued: false };
      this.sessions.set(key, s);
    }
    // A session lasts 48 h after the customer's last message; then it is over.
    if (s.state !== 4 && s.lastCustomerAt !== null && this.now() - s.lastCustomerAt >= KF_SESSION_WINDOW_MS) {
      s.state = 4;
      s.servicer = null;
    }
    return s;
  }

  sessionView(openKfid: string, externalUserId: string): KfSessionView {
    const s = this.session(openKfid, externalUserId);
    const inWindow = s.lastCustomerAt !== null && this.now() - s.lastCustomerAt < KF_SESSION_WINDOW_MS;
    return {
      openKfid,
      externalUserId,
      serviceState: s.state,
      servicerUserId: s.state === 3 ? s.servicer : null,
      lastCustomerAt: s.lastCustomerAt,
      sentSinceCustomer: s.sent,
      quotaLeft: inWindow ? Math.max(0, KF_SESSION_QUOTA - s.sent) : 0,
    };
  }

  // ---- customers ----

  /** Sets a customer's WeChat profile (a customer who wrote without one gets 微信用户<last 4>). */
  setCustomerProfile(externalUserId: string, profile: Partial<KfCustomerProfile>): KfCustomerProfile {
    const current = this.customers.get(externalUserId) ?? defaultProfile(externalUserId);
    const next = { ...current, ...profile };
    this.customers.set(externalUserId, next);
    return next;
  }

  customerProfile(externalUserId: string): KfCustomerProfile | undefined {
    return this.customers.get(externalUserId);
  }

  /** A customer message: an ended session restarts at 0, the 48 h window and the 5-message quota reset. */
  customerWrote(openKfid: string, externalUserId: string): void {
    const s = this.session(openKfid, externalUserId);
    if (s.state === 4) {
      s.state = 0;
      s.servicer = null;
      s.replyCodeIssued = false;
    }
    s.lastCustomerAt = this.now();
    s.sent = 0;
  }

  issueCode(openKfid: string, externalUserId: string, kind: EventCode['kind'], state?: KfServiceState): string {
    const code = randomBytes(18).toString('base64url');
    const ttl = kind === 'reply' ? KF_REPLY_CODE_TTL_MS : KF_WELCOME_CODE_TTL_MS;
    this.codes.set(code, { code, openKfid, externalUserId, kind, expiresAt: this.now() + ttl, used: false, state });
    return code;
  }

  /** Consumes an event code (single use, within its life, reply/end codes only in their state). */
  useCode(corpId: string, code: unknown, allowedTypes: (kind: EventCode['kind']) => readonly string[], msgtype: string): KfResult<EventCode> {
    if (typeof code !== 'string') return fail(KF_ERRORS.invalidParameter);
    const c = this.codes.get(code);
    if (!c || c.used || this.now() >= c.expiresAt || this.accounts.get(c.openKfid)?.corpId !== corpId) return fail(KF_ERRORS.invalidParameter);
    if (!allowedTypes(c.kind).includes(msgtype)) return fail(KF_ERRORS.invalidMsgType);
    if (c.kind !== 'welcome' && this.session(c.openKfid, c.externalUserId).state !== c.state) return fail(KF_ERRORS.sessionStatusInvalid);
    c.used = true;
    return { ok: true, value: c };
  }

  /**
   * service_state/trans: validates against the transition table and appends the
   * session_status_change event; returns msg_code when the doc says one is issued.
   */
  transition(openKfid: string, externalUserId: string, to: KfServiceState, servicer: string | null, byClient = false): KfResult<{ msgCode?: string }> {
    const s = this.session(openKfid, externalUserId);
    if (!byClient && !ALLOWED[s.state].includes(to)) return fail(KF_ERRORS.stateTransitionNotAllowed);
    if (to === 3) {
      const sv = (this.servicers.get(openKfid) ?? []).find((x) => x.userid === servicer);
      if (!sv || sv.status !== 0) return fail(KF_ERRORS.servicerNotActive);
    }
    const from = s.state;
    const oldServicer = s.servicer;
    s.state = to;
    s.servicer = to === 3 ? servicer : null;
    let msgCode: string | undefined;
    if ((to === 2 || to === 3) && !s.replyCodeIssued) {
      s.replyCodeIssued = true;
      msgCode = this.issueCode(openKfid, externalUserId, 'reply', to);
    }
    if (to === 4) msgCode = this.issueCode(openKfid, externalUserId, 'end', 4);
    // change_type: 1 taken from the pool, 2 transferred, 3 ended, 4 re-entered an ended session.
    // Moves to 1/2 have no change_type in the doc, so they log no event.
    if (to !== 3 && to !== 4) return { ok: true, value: msgCode === undefined ? {} : { msgCode } };
    const changeType = to === 4 ? 3 : from === 4 ? 4 : from === 2 ? 1 : 2;
    const event: Record<string, unknown> = {
      event_type: 'session_status_change',
      open_kfid: openKfid,
      external_userid: externalUserId,
      change_type: changeType,
      old_servicer_userid: oldServicer ?? '',
      new_servicer_userid: s.servicer ?? '',
    };
    // The event's msg_code (change_type 1/3) lets the app send the pool-taken / end notice once.
    if (changeType === 1) event['msg_code'] = msgCode ?? this.issueCode(openKfid, externalUserId, 'reply', 3);
    if (changeType === 3 && msgCode) event['msg_code'] = msgCode;
    this.append(openKfid, { send_time: Math.floor(this.now() / 1000), origin: 4, msgtype: 'event', event });
    return { ok: true, value: msgCode === undefined ? {} : { msgCode } };
  }

  /**
   * The send_msg session rules: state 0/1 only, 5 messages within 48 h of the customer's last
   * message. A refusal for quota/window also logs msg_send_fail (fail_type 6 / 4).
   */
  checkSend(openKfid: string, externalUserId: string, msgid: string): KfResult<{ failType?: number }> {
    const s = this.session(openKfid, externalUserId);
    const expired = s.lastCustomerAt === null || this.now() - s.lastCustomerAt >= KF_SESSION_WINDOW_MS;
    if (!expired && s.state !== 0 && s.state !== 1) return fail(KF_ERRORS.sessionStatusInvalid);
    const failType = expired ? KF_FAIL_TYPE.sessionExpired : s.sent >= KF_SESSION_QUOTA ? KF_FAIL_TYPE.quotaExceeded : undefined;
    if (failType === undefined) {
      s.sent += 1;
      return { ok: true, value: {} };
    }
    this.append(openKfid, {
      send_time: Math.floor(this.now() / 1000),
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'msg_send_fail', open_kfid: openKfid, external_userid: externalUserId, fail_msgid: msgid, fail_type: failType },
    });
    if (this.settings.quotaMode === 'accept') return { ok: true, value: { failType } };
    return fail(failType === KF_FAIL_TYPE.sessionExpired ? KF_ERRORS.sessionStatusInvalid : KF_ERRORS.sendQuotaExceeded);
  }

  msgidUsed(openKfid: string, msgid: string): boolean {
    return this.usedMsgids.get(openKfid)?.has(msgid) ?? false;
  }

  /** Marks our msgid used on the account (only accepted sends consume it). */
  claimMsgid(openKfid: string, msgid: string): void {
    const used = this.usedMsgids.get(openKfid) ?? new Set<string>();
    used.add(msgid);
    this.usedMsgids.set(openKfid, used);
  }

  reset(): void {
    this.calls.reset();
    this.faults.clear();
    this.settings = structuredClone(DEFAULT_KF_SETTINGS);
    this.clockOffsetMs = 0;
    this.accounts.clear();
    this.servicers.clear();
    this.logs.clear();
    this.delivered.length = 0;
    this.links.clear();
    this.recalled.clear();
    this.callbackUrls.clear();
    this.sessions.clear();
    this.customers.clear();
    this.msgTokens.clear();
    this.codes.clear();
    this.usedMsgids.clear();
    this.emptyPages.clear();
    this.tokenlessSyncs.clear();
    this.seq = 0;
  }
}
