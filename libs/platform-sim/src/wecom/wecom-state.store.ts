import { randomBytes } from 'node:crypto';
import { decodeEncodingAesKey, randomEncodingAesKey, randomToken } from '@imbridge/crypto';
import { CallLogRecorder } from '../core/call-log.recorder';
import { FaultScriptRegistry } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import { WECOM_ERRORS, WECOM_MEDIA_TTL_MS, type WecomError } from './wecom-error-codes.constants';
import type {
  WecomAddMediaOptions,
  WecomApp,
  WecomAppOptions,
  WecomMedia,
  WecomMediaType,
  WecomSentMessage,
  WecomSimSettings,
} from './wecom-sim.types';

interface TokenRecord {
  token: string;
  corpId: string;
  agentId: number;
  /** The app registration the token was issued for (re-registering voids old tokens). */
  app: WecomApp;
  expiresAt: number;
  state: 'valid' | 'revoked' | 'expired';
}

export type TokenCheck = { ok: true; app: WecomApp } | { ok: false; error: WecomError };

export const DEFAULT_SETTINGS: WecomSimSettings = { textOverLimit: 'reject', errmsgHints: false };

function toAgentId(value: number | string, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || (typeof value === 'string' && !/^\d+$/.test(value.trim()))) {
    throw new SimInputError(`${what} must be a non-negative integer`);
  }
  return n;
}

/**
 * Everything the WeCom simulator remembers: apps, tokens, media, accepted messages, call log,
 * fault scripts, trusted-IP checks. `reset()` forgets all of it.
 */
export class WecomStateStore {
  readonly calls = new CallLogRecorder();
  readonly faults = new FaultScriptRegistry();
  settings: WecomSimSettings = { ...DEFAULT_SETTINGS };

  private readonly apps = new Map<string, WecomApp[]>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly media = new Map<string, WecomMedia>();
  private readonly expiredMedia = new Set<string>();
  private readonly messages: WecomSentMessage[] = [];
  /** Per corp: how many messages were delivered (a count without copying them). */
  private readonly messageCounts = new Map<string, number>();
  /**
   * The duplicate check's index: the last delivery time of each (corp, app, recipients, msgtype,
   * payload), so a check costs one lookup instead of a scan of every message delivered so far.
   */
  private readonly lastDelivered = new Map<string, number>();
  private readonly suppressed: WecomSentMessage[] = [];
  private readonly trustedIp = new Map<string, string>();
  private msgSeq = 0;

  // ---- apps ----

  addApp(opts: WecomAppOptions): WecomApp {
    if (typeof opts.corpId !== 'string' || opts.corpId.length === 0) throw new SimInputError('corpId must be a non-empty string');
    if (typeof opts.secret !== 'string' || opts.secret.length === 0) throw new SimInputError('secret must be a non-empty string');
    const agentId = toAgentId(opts.agentId, 'agentId');
    const encodingAesKey = opts.encodingAesKey ?? randomEncodingAesKey();
    try {
      decodeEncodingAesKey(encodingAesKey);
    } catch {
      throw new SimInputError('encodingAesKey must be 43 characters that decode to a 32-byte key');
    }
    const ttl = opts.tokenTtlSeconds ?? 7200;
    if (!Number.isSafeInteger(ttl) || ttl < 1) throw new SimInputError('tokenTtlSeconds must be a positive integer');
    const app: WecomApp = { corpId: opts.corpId, agentId, secret: opts.secret, token: opts.token ?? randomToken(), encodingAesKey, tokenTtlSeconds: ttl };
    const list = (this.apps.get(app.corpId) ?? []).filter((a) => a.agentId !== agentId);
    list.push(app);
    this.apps.set(app.corpId, list);
    return { ...app };
  }

  hasCorp(corpId: string): boolean {
    return (this.apps.get(corpId)?.length ?? 0) > 0;
  }

  /** The app of a corp: by agentId, else the first registered. */
  findApp(corpId: string, agentId?: number | string): WecomApp | undefined {
    const list = this.apps.get(corpId);
    if (!list || list.length === 0) return undefined;
    if (agentId === undefined) return list[0];
    return list.find((a) => String(a.agentId) === String(agentId));
  }

  /** Like `findApp` but throws a `SimInputError` naming what is missing. */
  requireApp(corpId: string, agentId?: number | string): WecomApp {
    const app = this.findApp(corpId, agentId);
    if (!app) {
      throw new SimInputError(
        agentId === undefined ? `unknown corpId ${corpId} (register it with addApp)` : `corp ${corpId} has no app with agentId ${agentId}`,
        { status: 404, code: 'unknown_app' },
      );
    }
    return app;
  }

  findAppBySecret(corpId: string, secret: string): WecomApp | undefined {
    return this.apps.get(corpId)?.find((a) => a.secret === secret);
  }

  // ---- tokens ----

  issueToken(app: WecomApp): { token: string; expiresIn: number } {
    // base64url, so tokens contain '-' and '_' like real ones (and exercise URL handling).
    const token = randomBytes(96).toString('base64url');
    this.tokens.set(token, { token, corpId: app.corpId, agentId: app.agentId, app, expiresAt: Date.now() + app.tokenTtlSeconds * 1000, state: 'valid' });
    return { token, expiresIn: app.tokenTtlSeconds };
  }

  checkToken(token: string | null): TokenCheck {
    if (token === null || token === '') return { ok: false, error: WECOM_ERRORS.accessTokenMissing };
    const rec = this.tokens.get(token);
    if (!rec || rec.state === 'revoked') return { ok: false, error: WECOM_ERRORS.invalidAccessToken };
    if (rec.state === 'expired' || Date.now() >= rec.expiresAt) return { ok: false, error: WECOM_ERRORS.accessTokenExpired };
    // The app was re-registered (e.g. with a new secret) since: its old tokens are void.
    if (this.findApp(rec.corpId, rec.agentId) !== rec.app) return { ok: false, error: WECOM_ERRORS.invalidAccessToken };
    return { ok: true, app: rec.app };
  }

  /** Existing tokens of the corp answer 40014 from now on; new ones are fine. */
  revokeTokens(corpId: string): number {
    return this.markTokens(corpId, 'revoked');
  }

  /** Existing tokens of the corp answer 42001 from now on; new ones are fine. */
  expireTokens(corpId: string): number {
    return this.markTokens(corpId, 'expired');
  }

  private markTokens(corpId: string, state: TokenRecord['state']): number {
    let n = 0;
    for (const rec of this.tokens.values()) {
      if (rec.corpId === corpId && rec.state === 'valid') {
        rec.state = state;
        n++;
      }
    }
    return n;
  }

  // ---- trusted IP ----

  setTrustedIpCheck(corpId: string, ip: string): void {
    this.trustedIp.set(corpId, ip);
  }

  clearTrustedIpCheck(corpId: string): void {
    this.trustedIp.delete(corpId);
  }

  /** The IP to report in the 60020 errmsg, when the corp's calls are refused. */
  blockedIp(corpId: string): string | undefined {
    return this.trustedIp.get(corpId);
  }

  // ---- media ----

  addMedia(corpId: string, opts: WecomAddMediaOptions, source: WecomMedia['source']): WecomMedia {
    const bytes = typeof opts.bytes === 'string' ? Buffer.from(opts.bytes, 'utf8') : Buffer.from(opts.bytes);
    const type: WecomMediaType = opts.type ?? guessMediaType(opts.contentType);
    // Real ids look like `1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0`.
    const mediaId = `${1 + Math.floor(Math.random() * 3)}${randomBytes(32).toString('base64url')}`;
    const media: WecomMedia = { corpId, mediaId, type, bytes, contentType: opts.contentType, fileName: opts.fileName, createdAt: new Date(), source };
    this.media.set(mediaId, media);
    return media;
  }

  /** A live media item of the corp (media ids are shared by all apps of a corp, valid 3 days). */
  getMedia(corpId: string, mediaId: string): WecomMedia | undefined {
    const m = this.media.get(mediaId);
    if (!m || m.corpId !== corpId || this.expiredMedia.has(mediaId)) return undefined;
    if (Date.now() - m.createdAt.getTime() >= WECOM_MEDIA_TTL_MS) return undefined;
    return m;
  }

  /** Any stored media item, expired or not (for test inspection). */
  peekMedia(mediaId: string): WecomMedia | undefined {
    return this.media.get(mediaId);
  }

  listMedia(corpId?: string): WecomMedia[] {
    return [...this.media.values()].filter((m) => corpId === undefined || m.corpId === corpId);
  }

  expireMedia(mediaId: string): boolean {
    if (!this.media.has(mediaId)) return false;
    this.expiredMedia.add(mediaId);
    return true;
  }

  // ---- messages ----

  nextMsgId(): string {
    this.msgSeq += 1;
    // Unique by construction (sequence) and opaque-looking like WeCom's.
    return `${randomBytes(24).toString('base64url')}_${this.msgSeq.toString(36)}`;
  }

  recordMessage(msg: WecomSentMessage): void {
    this.messages.push(msg);
    this.messageCounts.set(msg.corpId, (this.messageCounts.get(msg.corpId) ?? 0) + 1);
    const key = duplicateKey(msg.corpId, msg.agentId, msg.body);
    this.lastDelivered.set(key, Math.max(this.lastDelivered.get(key) ?? -Infinity, msg.at.getTime()));
  }

  /** How many messages message/send delivered (of one corp, or all). */
  sentCount(corpId?: string): number {
    if (corpId !== undefined) return this.messageCounts.get(corpId) ?? 0;
    return this.messages.length;
  }

  /**
   * With `enable_duplicate_check: 1`, whether an identical message (same app, recipients, msgtype and
   * payload) was delivered within `duplicate_check_interval` seconds (default 1800, max 4 h). A
   * duplicate is remembered in `suppressedMessages` and not delivered.
   */
  isDuplicate(app: WecomApp, body: Record<string, unknown>, at: Date): boolean {
    const flag = body['enable_duplicate_check'];
    if (flag !== 1 && flag !== '1') return false;
    const rawInterval = Number(body['duplicate_check_interval'] ?? 1800);
    const intervalMs = Math.min(Number.isFinite(rawInterval) && rawInterval > 0 ? rawInterval : 1800, 4 * 3600) * 1000;
    // The latest delivery of the same content is the closest in time: within the interval if any is.
    const last = this.lastDelivered.get(duplicateKey(app.corpId, app.agentId, body));
    const dup = last !== undefined && at.getTime() - last < intervalMs;
    if (dup) this.suppressed.push({ corpId: app.corpId, agentId: app.agentId, body, msgid: '', at });
    return dup;
  }

  suppressedMessages(corpId?: string): WecomSentMessage[] {
    return this.suppressed.filter((m) => corpId === undefined || m.corpId === corpId).map((m) => ({ ...m, body: structuredClone(m.body) }));
  }

  sentMessages(corpId?: string): WecomSentMessage[] {
    return this.messages.filter((m) => corpId === undefined || m.corpId === corpId).map((m) => ({ ...m, body: structuredClone(m.body) }));
  }

  reset(): void {
    this.calls.reset();
    this.faults.clear();
    this.settings = { ...DEFAULT_SETTINGS };
    this.apps.clear();
    this.tokens.clear();
    this.media.clear();
    this.expiredMedia.clear();
    this.messages.length = 0;
    this.messageCounts.clear();
    this.lastDelivered.clear();
    this.suppressed.length = 0;
    this.trustedIp.clear();
    this.msgSeq = 0;
  }
}

/** What the duplicate check compares: the app, the recipients and the message's type and payload. */
function duplicateKey(corpId: string, agentId: number, b: Record<string, unknown>): string {
  return JSON.stringify([corpId, agentId, b['touser'] ?? '', b['toparty'] ?? '', b['totag'] ?? '', b['msgtype'], b[String(b['msgtype'])]]);
}

function guessMediaType(contentType: string): WecomMediaType {
  const ct = contentType.toLowerCase();
  if (ct.startsWith('image/')) return 'image';
  if (ct.startsWith('audio/') || ct.includes('amr')) return 'voice';
  if (ct.startsWith('video/')) return 'video';
  return 'file';
}
