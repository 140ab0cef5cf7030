import type { CallRecord } from '../core/call-log.recorder';
import type { FaultSpec } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import type { SimRequest, SimResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import { MpApiHandlers, type MpApi } from './mp-api.handlers';
import { MpCallbackClient, type MpPushOptions } from './mp-callback.client';
import { registerMpControlRoutes } from './mp-control.routes';
import type {
  MpAccount,
  MpAccountOptions,
  MpCallbackRecord,
  MpDeliveredMessage,
  MpInboundMessage,
  MpMediaFile,
  MpQrCode,
  MpSimSettings,
  MpTranscriptEntry,
  MpTriggerKind,
  MpVerifyUrlResult,
} from './mp-sim.types';
import { MpStateStore, type MpTokenCheck } from './mp-state.store';

/** A fault script for one MP API (`token`, `stable_token`, `message/custom/send`, `menu/*`, `qrcode/create`). */
export interface MpFaultSpec extends FaultSpec {
  api: MpApi | (string & {});
}

export interface MpSettingsPatch {
  callbackTimeoutMs?: number;
  callbackMaxDeliveries?: number;
  tokenTtlSeconds?: number;
  quota?: Partial<Record<MpTriggerKind, Partial<MpSimSettings['quota'][MpTriggerKind]>>>;
}

/**
 * The WeChat Official Account (公众号) side of the simulator: `/cgi-bin/*` as the gateway calls it
 * (tokens, customer-service messages, menus, QR codes), users acting (callbacks with the 5-second
 * retry rule, passive replies), and what each user saw.
 */
export class MpSim {
  readonly client: MpCallbackClient;
  private readonly state = new MpStateStore();
  private readonly api: MpApiHandlers;

  constructor() {
    this.api = new MpApiHandlers(this.state);
    this.client = new MpCallbackClient(this.state);
  }

  /** Mounts the MP API and its `/_sim/mp/*` control routes. */
  register(router: SimRouter): void {
    this.api.register(router);
    registerMpControlRoutes(router, this);
  }

  /** Registers (or replaces, by appId) an account. */
  addAccount(opts: MpAccountOptions): MpAccount {
    return this.state.addAccount(opts);
  }

  getAccount(appId: string): MpAccount | undefined {
    const a = this.state.findAccount(appId);
    return a && { ...a };
  }

  accounts(): MpAccount[] {
    return this.state.listAccounts();
  }

  /** The sim clock (epoch ms). Token expiry, CreateTime, the 48 h window and QR expiry follow it. */
  now(): number {
    return this.state.now();
  }

  advanceClock(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new SimInputError('seconds must be a number >= 0');
    this.state.advanceClock(seconds);
  }

  /** From now on the account's token APIs and every API answer 40164; `ip` is reported ('' = the caller's real address). */
  setIpWhitelistBlock(appId: string, ip = ''): void {
    this.state.setBlockedIp(appId, ip);
  }

  clearIpWhitelistBlock(appId: string): void {
    this.state.clearBlockedIp(appId);
  }

  /** Every token of the account answers 40001 from now on; returns how many. */
  revokeTokens(appId: string): number {
    return this.state.revokeTokens(appId);
  }

  checkAccessToken(token: string | null): MpTokenCheck {
    return this.state.checkToken(token);
  }

  /**
   * Registers a temporary media file that `GET /cgi-bin/media/get?access_token&media_id` serves (the
   * MediaId of an image/voice/video message the test sends). `appId` limits it to that account.
   */
  addMedia(mediaId: string, bytes: Buffer | Uint8Array | string, contentType: string, opts: { fileName?: string; appId?: string } = {}): MpMediaFile {
    if (typeof mediaId !== 'string' || mediaId === '' || mediaId.length > 256) throw new SimInputError('mediaId must be 1-256 characters');
    if (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(contentType)) throw new SimInputError('contentType must be a MIME type such as image/jpeg');
    const ext = contentType.split('/')[1]?.split(/[;+]/)[0]?.replace('jpeg', 'jpg') ?? 'bin';
    const file: MpMediaFile = {
      mediaId,
      bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
      contentType,
      fileName: opts.fileName ?? `${mediaId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}.${ext}`,
      ...(opts.appId !== undefined ? { appId: opts.appId } : {}),
    };
    this.state.addMedia(file);
    return { ...file };
  }

  /** `GET media/get` for a request the shared `/cgi-bin/media/get` route gave to MP (see mp-shared-routes.ts). */
  handleMediaGet(req: SimRequest): Promise<SimResponse> {
    return this.api.mediaGet(req);
  }

  /** Whether `token` is an access token this simulator issued to an MP account. */
  ownsAccessToken(token: string | null): boolean {
    return this.api.ownsToken(token);
  }

  /** A user sends a message or triggers an event; resolves when the callback is settled. */
  userMessage(appId: string, openId: string, message: MpInboundMessage, opts: MpPushOptions = {}): Promise<MpCallbackRecord> {
    return this.client.push(appId, openId, message, opts);
  }

  /**
   * A user scans a parameterized QR code: a follower gets `SCAN` (EventKey = scene), anyone else
   * `subscribe` with EventKey `qrscene_<scene>`; both carry the Ticket. `subscribed` defaults to the
   * user's known state.
   */
  scan(appId: string, openId: string, ticket: string, subscribed?: boolean): Promise<MpCallbackRecord> {
    const code = this.state.findQrCode(ticket);
    if (!code || code.appId !== appId) throw new SimInputError(`unknown ticket for ${appId}`, { status: 404, code: 'unknown_ticket' });
    if (code.expiresAt !== undefined && code.expiresAt <= this.state.now()) throw new SimInputError('the QR code has expired', { status: 410, code: 'qrcode_expired' });
    const follower = subscribed ?? this.state.user(appId, openId)?.subscribed ?? false;
    const message: MpInboundMessage = follower
      ? { type: 'event', event: 'SCAN', eventKey: code.scene, ticket }
      : { type: 'event', event: 'subscribe', eventKey: `qrscene_${code.scene}`, ticket };
    return this.client.push(appId, openId, message);
  }

  qrCode(ticket: string): MpQrCode | undefined {
    const c = this.state.findQrCode(ticket);
    return c && { ...c };
  }

  verifyUrl(appId: string, url?: string): Promise<MpVerifyUrlResult> {
    return this.client.verifyUrl(appId, url);
  }

  callbacks(appId?: string, openId?: string): MpCallbackRecord[] {
    return this.state.listCallbacks(appId, openId);
  }

  delivered(appId?: string, openId?: string): MpDeliveredMessage[] {
    return this.state.listDelivered(appId, openId);
  }

  transcript(appId: string, openId: string): MpTranscriptEntry[] {
    return this.state.transcript(appId, openId);
  }

  /** Follow state and open custom/send grants of a user; undefined if the user never acted. */
  window(appId: string, openId: string): ReturnType<MpStateStore['windowOf']> {
    return this.state.windowOf(appId, openId);
  }

  menu(appId: string): unknown {
    return this.state.getMenu(appId);
  }

  calls(api?: MpApi | (string & {})): CallRecord[] {
    return this.state.calls.list(api);
  }

  callCount(api: MpApi | (string & {})): number {
    return this.state.calls.count(api);
  }

  /** Scripts a fault; call numbers count every call of `api` since start/reset (see WecomSim.script). */
  script(spec: MpFaultSpec): void {
    this.state.faults.add(spec);
  }

  clearScripts(api?: string): void {
    this.state.faults.clear(api);
  }

  faults(): Array<FaultSpec & { remaining: number | null }> {
    return this.state.faults.list();
  }

  configure(patch: MpSettingsPatch): MpSimSettings {
    const next: MpSimSettings = { ...this.state.settings, quota: { ...this.state.settings.quota } };
    const int = (v: unknown, what: string, min: number, max: number): number => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new SimInputError(`${what} must be an integer between ${min} and ${max}`);
      return v;
    };
    if (patch.callbackTimeoutMs !== undefined) next.callbackTimeoutMs = int(patch.callbackTimeoutMs, 'callbackTimeoutMs', 1, 600_000);
    if (patch.callbackMaxDeliveries !== undefined) next.callbackMaxDeliveries = int(patch.callbackMaxDeliveries, 'callbackMaxDeliveries', 1, 100);
    if (patch.tokenTtlSeconds !== undefined) next.tokenTtlSeconds = int(patch.tokenTtlSeconds, 'tokenTtlSeconds', 1, 86_400 * 30);
    if (patch.quota !== undefined) {
      if (typeof patch.quota !== 'object' || patch.quota === null) throw new SimInputError('quota must be an object');
      for (const [kind, rule] of Object.entries(patch.quota)) {
        if (!(kind in next.quota)) throw new SimInputError(`quota.${kind}: kind must be message, subscribe, click or scan`);
        if (typeof rule !== 'object' || rule === null) throw new SimInputError(`quota.${kind} must be an object {count?, windowSeconds?}`);
        const k = kind as MpTriggerKind;
        const merged = { ...next.quota[k] };
        if (rule.count !== undefined) merged.count = rule.count === null ? null : int(rule.count, `quota.${k}.count`, 0, 1_000_000);
        if (rule.windowSeconds !== undefined) merged.windowSeconds = int(rule.windowSeconds, `quota.${k}.windowSeconds`, 1, 86_400 * 30);
        next.quota[k] = merged;
      }
    }
    this.state.settings = next;
    return this.settings();
  }

  settings(): MpSimSettings {
    const s = this.state.settings;
    return { ...s, quota: { ...s.quota } };
  }

  /** Forgets accounts, tokens, users, records, menus, QR codes, faults, settings and the clock offset. */
  reset(): void {
    this.state.reset();
  }
}
