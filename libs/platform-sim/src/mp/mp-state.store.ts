import { createHash, randomBytes } from 'node:crypto';
import { CallLogRecorder } from '../core/call-log.recorder';
import { FaultScriptRegistry } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import { MP_ERRORS, type MpError } from './mp-error-codes.constants';
import type {
  MpAccount,
  MpAccountOptions,
  MpCallbackRecord,
  MpDeliveredMessage,
  MpMediaFile,
  MpQrCode,
  MpSimSettings,
  MpTranscriptEntry,
  MpTriggerKind,
} from './mp-sim.types';

/** Old `/cgi-bin/token` tokens (and stable tokens in their last minutes) overlap the new one this long. */
export const MP_TOKEN_OVERLAP_SECONDS = 300;
/** stable_token force_refresh: at most this many per day, at least 30 s apart (else the same token). */
export const MP_FORCE_REFRESH_PER_DAY = 20;
export const MP_FORCE_REFRESH_MIN_INTERVAL_SECONDS = 30;

export function defaultMpSettings(): MpSimSettings {
  return {
    callbackTimeoutMs: 5000,
    callbackMaxDeliveries: 3,
    quota: {
      message: { count: 5, windowSeconds: 48 * 3600 },
      subscribe: { count: 3, windowSeconds: 60 },
      click: { count: 3, windowSeconds: 60 },
      scan: { count: 3, windowSeconds: 60 },
    },
    tokenTtlSeconds: 7200,
  };
}

interface IssuedToken {
  appId: string;
  kind: 'basic' | 'stable';
  /** Epoch ms on the sim clock. */
  expiresAt: number;
  /** Revoked tokens answer 40001. */
  revoked: boolean;
  /** A newer token replaced it; past its overlap it answers 40001 ("not latest"), not 42001. */
  superseded?: boolean;
}

interface Grant {
  kind: MpTriggerKind;
  at: number;
  count: number | null;
  windowSeconds: number;
  used: number;
}

interface UserState {
  subscribed: boolean;
  grants: Grant[];
}

export type MpTokenCheck = { ok: true; account: MpAccount } | { ok: false; error: MpError };

export type MpWindowCheck = { ok: true; trigger: MpTriggerKind } | { ok: false; error: MpError };

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** In-memory state of the MP simulator. */
export class MpStateStore {
  readonly calls = new CallLogRecorder();
  readonly faults = new FaultScriptRegistry();
  settings: MpSimSettings = defaultMpSettings();
  private clockOffsetMs = 0;
  private readonly accounts = new Map<string, MpAccount>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** appId → current stable token and when force_refresh was last honoured. */
  private readonly stable = new Map<string, { token: string; lastForceAt?: number; forceDay?: string; forceCount: number }>();
  private readonly blockedIps = new Map<string, string>();
  private readonly users = new Map<string, UserState>();
  private readonly delivered: MpDeliveredMessage[] = [];
  private readonly callbacks: MpCallbackRecord[] = [];
  private readonly transcripts = new Map<string, MpTranscriptEntry[]>();
  private readonly menus = new Map<string, unknown>();
  private readonly qrcodes = new Map<string, MpQrCode>();
  /** mediaId → a temporary media file media/get serves. */
  private readonly media = new Map<string, MpMediaFile>();

  /** The sim clock (epoch ms): real time plus `advanceClock` offsets. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  addAccount(opts: MpAccountOptions): MpAccount {
    if (typeof opts.appId !== 'string' || !ACCOUNT_ID.test(opts.appId)) throw new SimInputError('appId must be 1-64 chars [A-Za-z0-9_-]');
    if (typeof opts.appSecret !== 'string' || opts.appSecret.length === 0) throw new SimInputError('appSecret must be a non-empty string');
    if (typeof opts.token !== 'string' || !/^[A-Za-z0-9]{3,32}$/.test(opts.token)) throw new SimInputError('token must be 3-32 letters/digits');
    const mode = opts.mode ?? 'plain';
    if (mode !== 'plain' && mode !== 'compatible' && mode !== 'safe') throw new SimInputError("mode must be 'plain', 'compatible' or 'safe'");
    const accountType = opts.accountType ?? 'service';
    if (accountType !== 'service' && accountType !== 'subscription') throw new SimInputError("accountType must be 'service' or 'subscription'");
    if (opts.encodingAesKey !== undefined && !/^[A-Za-z0-9]{43}$/.test(opts.encodingAesKey)) {
      throw new SimInputError('encodingAesKey must be 43 letters/digits');
    }
    if (mode !== 'plain' && opts.encodingAesKey === undefined) throw new SimInputError(`mode ${mode} needs an encodingAesKey`);
    const account: MpAccount = {
      appId: opts.appId,
      appSecret: opts.appSecret,
      token: opts.token,
      mode,
      accountType,
      verified: opts.verified ?? false,
      originalId: opts.originalId ?? `gh_${createHash('sha1').update(opts.appId).digest('hex').slice(0, 12)}`,
      ...(opts.encodingAesKey !== undefined ? { encodingAesKey: opts.encodingAesKey } : {}),
      ...(opts.callbackUrl !== undefined ? { callbackUrl: opts.callbackUrl } : {}),
    };
    this.accounts.set(account.appId, account);
    return { ...account };
  }

  findAccount(appId: string): MpAccount | undefined {
    return this.accounts.get(appId);
  }

  requireAccount(appId: string): MpAccount {
    const account = this.accounts.get(appId);
    if (!account) throw new SimInputError(`unknown appId ${appId} (register it with addAccount)`, { status: 404, code: 'unknown_account' });
    return account;
  }

  listAccounts(): MpAccount[] {
    return [...this.accounts.values()].map((a) => ({ ...a }));
  }

  // ---- IP whitelist ----

  setBlockedIp(appId: string, ip: string): void {
    this.requireAccount(appId);
    this.blockedIps.set(appId, ip);
  }

  clearBlockedIp(appId: string): void {
    this.blockedIps.delete(appId);
  }

  /** The caller IP to report in 40164 when the whitelist fault is on ('' = use the real peer address). */
  blockedIp(appId: string): string | undefined {
    return this.blockedIps.get(appId);
  }

  // ---- tokens ----

  private newToken(appId: string, kind: IssuedToken['kind']): { token: string; expiresIn: number } {
    const ttl = this.settings.tokenTtlSeconds;
    // Real tokens are ~136 chars of [A-Za-z0-9_-]; the prefix keeps the kind visible in logs.
    const token = `${kind === 'stable' ? 'S' : 'B'}_${randomBytes(48).toString('base64url')}`;
    this.tokens.set(token, { appId, kind, expiresAt: this.now() + ttl * 1000, revoked: false });
    return { token, expiresIn: ttl };
  }

  /** `/cgi-bin/token`: always a new token; the account's older basic tokens stay valid 5 more minutes. */
  issueBasicToken(appId: string): { token: string; expiresIn: number } {
    const cutoff = this.now() + MP_TOKEN_OVERLAP_SECONDS * 1000;
    for (const t of this.tokens.values()) {
      if (t.appId === appId && t.kind === 'basic' && !t.superseded) {
        t.superseded = true;
        t.expiresAt = Math.min(t.expiresAt, cutoff);
      }
    }
    return this.newToken(appId, 'basic');
  }

  /**
   * `/cgi-bin/stable_token`. Normal mode: the current token while more than 5 minutes are left
   * (expires_in = what is left), else a new one (the old one lives out its last minutes).
   * force_refresh: a new token, the previous one invalid at once (doc: "会导致上次获取的
   * access_token 失效"); within 30 s of the last honoured force_refresh the same token comes back;
   * over 20 per day → 45009.
   */
  issueStableToken(appId: string, forceRefresh: boolean): { token: string; expiresIn: number } | { error: MpError } {
    const now = this.now();
    const entry = this.stable.get(appId);
    const current = entry ? this.tokens.get(entry.token) : undefined;
    const left = current && !current.revoked ? Math.ceil((current.expiresAt - now) / 1000) : 0;
    if (forceRefresh) {
      const day = new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10); // natural day in Beijing time
      const count = entry?.forceDay === day ? entry.forceCount : 0;
      if (entry?.lastForceAt !== undefined && now - entry.lastForceAt < MP_FORCE_REFRESH_MIN_INTERVAL_SECONDS * 1000 && left > 0) {
        return { token: entry.token, expiresIn: left };
      }
      if (count >= MP_FORCE_REFRESH_PER_DAY) return { error: MP_ERRORS.dailyQuota };
      if (current) current.revoked = true;
      const issued = this.newToken(appId, 'stable');
      this.stable.set(appId, { token: issued.token, lastForceAt: now, forceDay: day, forceCount: count + 1 });
      return issued;
    }
    if (entry && left > MP_TOKEN_OVERLAP_SECONDS) return { token: entry.token, expiresIn: left };
    // The old stable token lives out its last minutes, then simply expires (42001).
    const issued = this.newToken(appId, 'stable');
    this.stable.set(appId, { ...(entry ?? { forceCount: 0 }), token: issued.token });
    return issued;
  }

  checkToken(token: string | null): MpTokenCheck {
    if (!token) return { ok: false, error: MP_ERRORS.accessTokenMissing };
    const t = this.tokens.get(token);
    const account = t && this.accounts.get(t.appId);
    if (!t || !account || t.revoked) return { ok: false, error: MP_ERRORS.invalidCredential };
    if (t.expiresAt <= this.now()) return { ok: false, error: t.superseded ? MP_ERRORS.invalidCredential : MP_ERRORS.accessTokenExpired };
    return { ok: true, account };
  }

  /** Makes every token of the account answer 40001 (e.g. after the AppSecret was reset). */
  revokeTokens(appId: string): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if (t.appId === appId && !t.revoked) {
        t.revoked = true;
        n++;
      }
    }
    return n;
  }

  // ---- users and the customer-service window ----

  private userKey(appId: string, openId: string): string {
    return `${appId}\u0000${openId}`;
  }

  user(appId: string, openId: string): UserState | undefined {
    return this.users.get(this.userKey(appId, openId));
  }

  /** Records a user action: follow state, and a new custom/send grant for trigger kinds. */
  userAction(appId: string, openId: string, action: { subscribed?: boolean; trigger?: MpTriggerKind }): void {
    const key = this.userKey(appId, openId);
    const state = this.users.get(key) ?? { subscribed: true, grants: [] };
    if (action.subscribed !== undefined) state.subscribed = action.subscribed;
    if (!state.subscribed) state.grants = [];
    if (action.trigger && state.subscribed) {
      const rule = this.settings.quota[action.trigger];
      state.grants.push({ kind: action.trigger, at: this.now(), count: rule.count, windowSeconds: rule.windowSeconds, used: 0 });
    }
    this.users.set(key, state);
  }

  /**
   * Takes one custom/send slot: from the oldest open grant with room left. No open grant →
   * 45015; open grants all used up → 45047; unknown user → 40003; unfollowed → 45015.
   */
  takeWindowSlot(appId: string, openId: string): MpWindowCheck {
    const state = this.users.get(this.userKey(appId, openId));
    if (!state) return { ok: false, error: MP_ERRORS.invalidOpenId };
    if (!state.subscribed) return { ok: false, error: MP_ERRORS.outOfTimeLimit };
    const now = this.now();
    state.grants = state.grants.filter((g) => now < g.at + g.windowSeconds * 1000);
    if (state.grants.length === 0) return { ok: false, error: MP_ERRORS.outOfTimeLimit };
    const grant = state.grants.find((g) => g.count === null || g.used < g.count);
    if (!grant) return { ok: false, error: MP_ERRORS.outOfCountLimit };
    grant.used += 1;
    return { ok: true, trigger: grant.kind };
  }

  /** Open grants of a user (for the control API). */
  windowOf(appId: string, openId: string): { subscribed: boolean; grants: Array<{ kind: MpTriggerKind; at: Date; count: number | null; used: number; closesAt: Date }> } | undefined {
    const state = this.users.get(this.userKey(appId, openId));
    if (!state) return undefined;
    const now = this.now();
    return {
      subscribed: state.subscribed,
      grants: state.grants
        .filter((g) => now < g.at + g.windowSeconds * 1000)
        .map((g) => ({ kind: g.kind, at: new Date(g.at), count: g.count, used: g.used, closesAt: new Date(g.at + g.windowSeconds * 1000) })),
    };
  }

  // ---- records ----

  recordDelivered(message: MpDeliveredMessage): void {
    this.delivered.push(message);
  }

  listDelivered(appId?: string, openId?: string): MpDeliveredMessage[] {
    return this.delivered.filter((m) => (appId === undefined || m.appId === appId) && (openId === undefined || m.openId === openId)).map((m) => ({ ...m }));
  }

  addCallback(record: Omit<MpCallbackRecord, 'seq'>): MpCallbackRecord {
    const full = { ...record, seq: this.callbacks.length + 1 };
    this.callbacks.push(full);
    return full;
  }

  listCallbacks(appId?: string, openId?: string): MpCallbackRecord[] {
    return this.callbacks.filter((c) => (appId === undefined || c.appId === appId) && (openId === undefined || c.openId === openId)).map((c) => ({ ...c, deliveries: [...c.deliveries] }));
  }

  addTranscript(appId: string, openId: string, entry: MpTranscriptEntry): void {
    const key = this.userKey(appId, openId);
    const list = this.transcripts.get(key) ?? [];
    list.push(entry);
    this.transcripts.set(key, list);
  }

  transcript(appId: string, openId: string): MpTranscriptEntry[] {
    return [...(this.transcripts.get(this.userKey(appId, openId)) ?? [])];
  }

  // ---- menus and QR codes ----

  setMenu(appId: string, menu: unknown): void {
    this.menus.set(appId, menu);
  }

  getMenu(appId: string): unknown {
    return this.menus.get(appId);
  }

  deleteMenu(appId: string): void {
    this.menus.delete(appId);
  }

  addQrCode(code: MpQrCode): void {
    this.qrcodes.set(code.ticket, code);
  }

  findQrCode(ticket: string): MpQrCode | undefined {
    return this.qrcodes.get(ticket);
  }

  addMedia(file: MpMediaFile): void {
    this.media.set(file.mediaId, file);
  }

  /** The file of a media id, if it is known and (when registered for one) belongs to the account. */
  findMedia(appId: string, mediaId: string): MpMediaFile | undefined {
    const file = this.media.get(mediaId);
    return file && (file.appId === undefined || file.appId === appId) ? file : undefined;
  }

  /** Whether a token was issued by this simulator's MP side (shared `/cgi-bin/media/get` dispatch). */
  isMpToken(token: string | null): boolean {
    return token !== null && this.tokens.has(token);
  }

  reset(): void {
    this.media.clear();
    this.calls.reset();
    this.faults.clear();
    this.settings = defaultMpSettings();
    this.clockOffsetMs = 0;
    this.accounts.clear();
    this.tokens.clear();
    this.stable.clear();
    this.blockedIps.clear();
    this.users.clear();
    this.delivered.length = 0;
    this.callbacks.length = 0;
    this.transcripts.clear();
    this.menus.clear();
    this.qrcodes.clear();
  }
}
