import type { CallRecord } from '../core/call-log.recorder';
import type { FaultSpec } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import type { SimRouter } from '../core/sim-router';
import { WecomApiHandlers, type WecomApi } from './wecom-api.handlers';
import { WecomCallbackClient } from './wecom-callback.client';
import { registerWecomControlRoutes } from './wecom-control.routes';
import type { WecomAddMediaOptions, WecomApp, WecomAppOptions, WecomMedia, WecomSentMessage, WecomSimSettings } from './wecom-sim.types';
import { WecomStateStore, type TokenCheck } from './wecom-state.store';

/** A fault script for one WeCom API (`gettoken`, `message/send`, `media/upload`, `media/get`, `agent/get`). */
export interface WecomFaultSpec extends FaultSpec {
  api: WecomApi | (string & {});
}

/**
 * The WeCom (企业微信, self-built app) side of the simulator: the `/cgi-bin/*` API the gateway
 * calls, test controls, and `client`, which plays WeCom pushing callbacks at the gateway.
 */
export class WecomSim {
  readonly client: WecomCallbackClient;
  private readonly state = new WecomStateStore();
  private readonly api: WecomApiHandlers;

  constructor() {
    this.api = new WecomApiHandlers(this.state);
    this.client = new WecomCallbackClient(this.state);
  }

  /** Mounts the WeCom API and its `/_sim/wecom/*` control routes. */
  register(router: SimRouter): void {
    this.api.register(router);
    registerWecomControlRoutes(router, this);
  }

  /** Registers (or replaces, by corpId + agentId) a self-built app; returns it with token/key resolved. */
  addApp(opts: WecomAppOptions): WecomApp {
    return this.state.addApp(opts);
  }

  getApp(corpId: string, agentId?: number | string): WecomApp | undefined {
    const app = this.state.findApp(corpId, agentId);
    return app && { ...app };
  }

  /** From now on gettoken and every API of the corp answer 60020, reporting `ip` as the caller. */
  setTrustedIpCheck(corpId: string, ip: string): void {
    this.state.setTrustedIpCheck(corpId, ip);
  }

  clearTrustedIpCheck(corpId: string): void {
    this.state.clearTrustedIpCheck(corpId);
  }

  /** Existing access tokens of the corp answer 40014; returns how many were affected. */
  revokeTokens(corpId: string): number {
    return this.state.revokeTokens(corpId);
  }

  /** Existing access tokens of the corp answer 42001; returns how many were affected. */
  expireTokens(corpId: string): number {
    return this.state.expireTokens(corpId);
  }

  /** Resolves an access_token issued by gettoken to its app (used by sibling APIs such as 微信客服). */
  checkAccessToken(token: string | null): TokenCheck {
    return this.state.checkToken(token);
  }

  /** gettoken calls with `corpid=corpId` since the last reset (failed ones included). */
  gettokenCount(corpId: string): number {
    return this.state.calls.list('gettoken').filter((c) => c.tenant === corpId).length;
  }

  /** Messages accepted by message/send, oldest first. */
  sentMessages(corpId?: string): WecomSentMessage[] {
    return this.state.sentMessages(corpId);
  }

  /** How many messages message/send delivered (of one corp, or all), without copying them. */
  sentCount(corpId?: string): number {
    return this.state.sentCount(corpId);
  }

  /** Messages message/send accepted but did not deliver (duplicates under `enable_duplicate_check`). */
  suppressedMessages(corpId?: string): WecomSentMessage[] {
    return this.state.suppressedMessages(corpId);
  }

  /** Every API call (accepted, rejected, faulted), optionally of one API. */
  calls(api?: WecomApi | (string & {})): CallRecord[] {
    return this.state.calls.list(api);
  }

  /** Calls of one API since the last reset. */
  callCount(api: WecomApi | (string & {})): number {
    return this.state.calls.count(api);
  }

  /**
   * Scripts a fault. Call numbers count every call of `api` since the sim started or was last
   * reset (1-based), so `{fromCall: 3}` hits the 3rd call and later ones, `count` times
   * (default: unlimited). If more calls than `fromCall` already happened, the next call is hit.
   */
  script(spec: WecomFaultSpec): void {
    this.state.faults.add(spec);
  }

  clearScripts(api?: string): void {
    this.state.faults.clear(api);
  }

  faults(): Array<FaultSpec & { remaining: number | null }> {
    return this.state.faults.list();
  }

  /** Stores media as if a member had sent it (for inbound image/voice/video pushes); returns media_id. */
  addMedia(corpId: string, media: WecomAddMediaOptions): string {
    if (!this.state.hasCorp(corpId)) throw new SimInputError(`unknown corpId ${corpId} (register it with addApp)`, { status: 404, code: 'unknown_app' });
    return this.state.addMedia(corpId, media, 'test').mediaId;
  }

  /** A stored media item by id (also uploaded ones, also expired ones). */
  media(mediaId: string): WecomMedia | undefined {
    return this.state.peekMedia(mediaId);
  }

  listMedia(corpId?: string): WecomMedia[] {
    return this.state.listMedia(corpId);
  }

  /** Makes a media_id answer 40007 from now on, as after WeCom's 3 days. */
  expireMedia(mediaId: string): boolean {
    return this.state.expireMedia(mediaId);
  }

  configure(settings: Partial<WecomSimSettings>): void {
    const next = { ...this.state.settings };
    if (settings.textOverLimit !== undefined) next.textOverLimit = settings.textOverLimit;
    if (settings.errmsgHints !== undefined) next.errmsgHints = settings.errmsgHints;
    this.state.settings = next;
  }

  settings(): WecomSimSettings {
    return { ...this.state.settings };
  }

  /** Forgets apps, tokens, media, messages, calls, fault scripts, IP checks and settings. */
  reset(): void {
    this.state.reset();
  }
}
