import type { CallRecord } from '../core/call-log.recorder';
import type { FaultSpec } from '../core/fault-script.registry';
import { sendOutbound } from '../core/outbound-http.client';
import { SimInputError } from '../core/sim-errors';
import type { SimRouter } from '../core/sim-router';
import { cdataElement } from '../core/xml.util';
import { WECOM_CALLBACK_TIMEOUT_MS } from '../wecom/wecom-callback.client';
import type { WecomSim } from '../wecom/wecom-sim';
import { KfApiHandlers, type KfApi } from './kf-api.handlers';
import { registerKfControlRoutes } from './kf-control.routes';
import { KF_SIM_IMAGE, KF_SIM_THUMB, KF_SIM_VIDEO, KF_SIM_VOICE, kfSimFile } from './kf-media.constants';
import type {
  KfAccount,
  KfCallbackMode,
  KfCallbackRecord,
  KfChatEntry,
  KfCustomerMessage,
  KfDeliveredMessage,
  KfIssuedLink,
  KfLogEntry,
  KfServicer,
  KfSessionView,
  KfSimSettings,
} from './kf-sim.types';
import { KfStateStore, type KfCustomerProfile } from './kf-state.store';
import { kfTranscript } from './kf-transcript.mapper';

/** scene_param on a contact URL: at most 128 bytes once decoded (doc: ≤128 B, URL-encoded). */
export const KF_SCENE_PARAM_MAX_BYTES = 128;

interface PendingCallback {
  corpId: string;
  openKfid: string;
}

export interface KfFaultSpec extends FaultSpec {
  api: KfApi | (string & {});
}

export interface KfAppendResult {
  entry: KfLogEntry;
  /** Callbacks delivered for this append (empty for mode none/hold or without a callback URL). */
  callbacks: KfCallbackRecord[];
}

export interface KfServicerUpdate {
  servicers: KfServicer[];
  /** The servicer_status_change event, when an existing servicer's status changed. */
  entry?: KfLogEntry;
  callbacks: KfCallbackRecord[];
}

export interface KfOpenLinkResult extends KfAppendResult {
  /** The issued link the URL matched, and the decoded scene_param appended to it. */
  link: KfIssuedLink;
  sceneParam: string;
}

/**
 * 微信客服 (WeCom customer service) side of the simulator. A kf-enabled app is a WeCom corp app:
 * access tokens and callback crypto (Token/EncodingAESKey, receiveid = corpid) come from `WecomSim`.
 */
export class KfSim {
  private readonly state = new KfStateStore();
  private readonly api: KfApiHandlers;
  private readonly pending: PendingCallback[] = [];
  private readonly callbackLog: KfCallbackRecord[] = [];

  constructor(private readonly wecom: WecomSim) {
    // Appends caused by API calls (msg_send_fail, session_status_change) announce themselves too.
    this.api = new KfApiHandlers(this.state, wecom, (openKfid) => void this.announce(openKfid));
  }

  register(router: SimRouter): void {
    this.api.register(router);
    registerKfControlRoutes(router, this);
  }

  /** Creates a KF account of a corp registered with `sim.wecom.addApp`. */
  addAccount(opts: { corpId: string; name: string; openKfid?: string }): KfAccount {
    if (!this.wecom.getApp(opts.corpId)) throw new SimInputError(`unknown corpId ${opts.corpId} (register it with wecom.addApp)`, { status: 404, code: 'unknown_app' });
    return this.state.addAccount(opts.corpId, opts.name, opts.openKfid);
  }

  /** Accounts of a corp, or of every corp when corpId is omitted. */
  accounts(corpId?: string): KfAccount[] {
    const list = corpId === undefined ? [...this.state.accounts.values()] : this.state.listAccounts(corpId);
    return list.map((a) => ({ ...a }));
  }

  /**
   * Adds or updates a servicer (接待人员); status 0 = receiving, 1 = stopped. A status change of an
   * existing servicer logs servicer_status_change and announces it in the background (use
   * `updateServicer` to await the callback).
   */
  /** Sets a customer's WeChat profile (nickname …) as kf/customer/batchget returns it. */
  setCustomerProfile(externalUserId: string, profile: { nickname?: string; avatar?: string; gender?: 0 | 1 | 2 }): KfCustomerProfile {
    if (!/^wm[0-9A-Za-z_-]+$/.test(externalUserId)) throw new SimInputError('externalUserId must look like wm…');
    return this.state.setCustomerProfile(externalUserId, profile);
  }

  setServicer(openKfid: string, userid: string, status: 0 | 1 = 0): KfServicer[] {
    const { servicers, changed } = this.applyServicer(openKfid, userid, status);
    if (changed) void this.announce(openKfid).catch(() => undefined);
    return servicers;
  }

  /** `setServicer`, awaiting the callback of the servicer_status_change event (if any). */
  async updateServicer(openKfid: string, userid: string, status: 0 | 1 = 0): Promise<KfServicerUpdate> {
    const { servicers, changed } = this.applyServicer(openKfid, userid, status);
    if (!changed) return { servicers, callbacks: [] };
    return { servicers, entry: changed, callbacks: await this.announce(openKfid) };
  }

  /** Where kf_msg_or_event callbacks of the corp go, and how ('normal' | 'duplicate' | 'hold' | 'none'). */
  setCallback(corpId: string, url: string | null, mode: KfCallbackMode = 'normal'): void {
    if (url === null) this.state.callbackUrls.delete(corpId);
    else this.state.callbackUrls.set(corpId, { url, mode });
  }

  /** An external user (wm…) sends a message or enters the session; appends and announces it. */
  async customerSends(
    openKfid: string,
    externalUserId: string,
    msg: KfCustomerMessage,
    opts: { sendTime?: number; callbackMode?: KfCallbackMode } = {},
  ): Promise<KfAppendResult> {
    const acc = this.state.requireAccount(openKfid);
    if (!/^wm[0-9A-Za-z_-]+$/.test(externalUserId)) throw new SimInputError('externalUserId must look like wm…');
    // Whoever writes or enters is a WeChat user with a profile (kf/customer/batchget).
    if (!this.state.customerProfile(externalUserId)) this.state.setCustomerProfile(externalUserId, {});
    const sendTime = opts.sendTime ?? Math.floor(this.state.now() / 1000);
    if (!Number.isSafeInteger(sendTime) || sendTime > Math.floor(this.state.now() / 1000)) throw new SimInputError('sendTime must be epoch seconds, not in the future');
    let item: Record<string, unknown>;
    if (msg.type === 'enter_session') {
      const event: Record<string, unknown> = {
        event_type: 'enter_session',
        open_kfid: openKfid,
        external_userid: externalUserId,
        scene: msg.scene ?? '',
        scene_param: msg.sceneParam ?? '',
      };
      if (msg.welcome !== false) event['welcome_code'] = this.state.issueCode(openKfid, externalUserId, 'welcome');
      item = { send_time: sendTime, origin: 4, msgtype: 'event', event };
    } else {
      const payload = this.customerPayload(acc.corpId, msg);
      this.state.customerWrote(openKfid, externalUserId);
      item = { open_kfid: openKfid, external_userid: externalUserId, send_time: sendTime, origin: 3, msgtype: msg.type, [msg.type]: payload };
    }
    const entry = this.state.append(openKfid, item);
    return { entry: { ...entry, item: structuredClone(entry.item) }, callbacks: await this.announce(acc.openKfid, opts.callbackMode) };
  }

  /**
   * The customer opens a contact URL from kf/add_contact_way (the integrator may have appended
   * `&scene_param=<urlencoded>`, only on links with a scene): appends enter_session with the link's
   * scene, the scene_param decoded once (the doc says it comes back "as is"; decoded is our reading [U])
   * and (unless `welcome: false`) a welcome_code. A URL the sim never issued → 404.
   */
  async openLink(opts: { url: string; externalUserId: string; welcome?: boolean; callbackMode?: KfCallbackMode }): Promise<KfOpenLinkResult> {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new SimInputError('url must be an absolute URL (a contact link from kf/add_contact_way)');
    }
    const params = url.searchParams.getAll('scene_param');
    if (params.length > 1) throw new SimInputError('url carries scene_param more than once');
    const sceneParam = params[0] ?? '';
    if (Buffer.byteLength(sceneParam, 'utf8') > KF_SCENE_PARAM_MAX_BYTES) throw new SimInputError(`scene_param must be at most ${KF_SCENE_PARAM_MAX_BYTES} bytes`);
    url.searchParams.delete('scene_param');
    const link = this.state.findLink(url);
    if (!link) {
      throw new SimInputError('this URL was not issued by kf/add_contact_way of the simulator (only &scene_param= may be appended)', {
        status: 404,
        code: 'unknown_link',
      });
    }
    // The doc only allows scene_param on links made with a non-empty scene.
    if (sceneParam !== '' && link.scene === '') throw new SimInputError('scene_param can only be appended to a link made with a scene');
    const result = await this.customerSends(
      link.openKfid,
      opts.externalUserId,
      { type: 'enter_session', scene: link.scene, sceneParam, ...(opts.welcome === undefined ? {} : { welcome: opts.welcome }) },
      { callbackMode: opts.callbackMode },
    );
    return { ...result, link, sceneParam };
  }

  /** Contact URLs issued by kf/add_contact_way (of one account, or all), oldest first. */
  links(openKfid?: string): KfIssuedLink[] {
    return [...this.state.links.values()].filter((l) => openKfid === undefined || l.openKfid === openKfid).map((l) => ({ ...l }));
  }

  /** The customer recalls one of their messages: logs user_recall_msg {recall_msgid}. */
  async recall(openKfid: string, externalUserId: string, msgid: string, opts: { callbackMode?: KfCallbackMode } = {}): Promise<KfAppendResult> {
    this.state.requireAccount(openKfid);
    const target = (this.state.logs.get(openKfid) ?? []).find((e) => e.msgid === msgid);
    if (!target || target.item['origin'] !== 3 || target.item['external_userid'] !== externalUserId) {
      throw new SimInputError(`no message ${msgid} of customer ${externalUserId} on ${openKfid}`, { status: 404, code: 'unknown_msgid' });
    }
    const recalled = this.state.recalled.get(openKfid) ?? new Set<string>();
    if (recalled.has(msgid)) throw new SimInputError(`message ${msgid} was already recalled`, { status: 409, code: 'already_recalled' });
    recalled.add(msgid);
    this.state.recalled.set(openKfid, recalled);
    const entry = this.state.append(openKfid, {
      send_time: Math.floor(this.state.now() / 1000),
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'user_recall_msg', open_kfid: openKfid, external_userid: externalUserId, recall_msgid: msgid },
    });
    return { entry: { ...entry, item: structuredClone(entry.item) }, callbacks: await this.announce(openKfid, opts.callbackMode) };
  }

  /** The chat page's view of one customer: what they sent, what they received, events; oldest first. */
  conversation(openKfid: string, externalUserId: string): KfChatEntry[] {
    this.state.requireAccount(openKfid);
    return kfTranscript(
      this.state.logs.get(openKfid) ?? [],
      this.state.delivered.filter((d) => d.openKfid === openKfid),
      externalUserId,
      this.state.recalled.get(openKfid) ?? new Set(),
    );
  }

  /** Where the corp's kf callbacks go (null when not set). */
  callbackTarget(corpId: string): { url: string; mode: KfCallbackMode } | null {
    const t = this.state.callbackUrls.get(corpId);
    return t ? { ...t } : null;
  }

  /** A servicer answers from the WeCom client (origin 5); the session moves to state 3 with them. */
  async servicerSends(openKfid: string, externalUserId: string, servicerUserId: string, content: string): Promise<KfAppendResult> {
    this.state.requireAccount(openKfid);
    const view = this.state.sessionView(openKfid, externalUserId);
    if (view.serviceState !== 3 || view.servicerUserId !== servicerUserId) {
      const moved = this.state.transition(openKfid, externalUserId, 3, servicerUserId, true);
      if (!moved.ok) throw new SimInputError(`servicer ${servicerUserId} is not a receiving servicer of ${openKfid}`, { status: 409, code: 'servicer_inactive' });
    }
    const entry = this.state.append(openKfid, {
      open_kfid: openKfid,
      external_userid: externalUserId,
      send_time: Math.floor(this.state.now() / 1000),
      origin: 5,
      servicer_userid: servicerUserId,
      msgtype: 'text',
      text: { content },
    });
    return { entry: { ...entry, item: structuredClone(entry.item) }, callbacks: await this.announce(openKfid) };
  }

  /** Delivers held callbacks ('hold' mode), oldest first or reversed (out of order). */
  async flushCallbacks(order: 'fifo' | 'reverse' = 'fifo'): Promise<KfCallbackRecord[]> {
    const batch = this.pending.splice(0, this.pending.length);
    if (order === 'reverse') batch.reverse();
    const out: KfCallbackRecord[] = [];
    for (const p of batch) {
      const target = this.state.callbackUrls.get(p.corpId);
      if (target) out.push(await this.deliver(p.corpId, p.openKfid, target.url));
    }
    return out;
  }

  heldCallbacks(): number {
    return this.pending.length;
  }

  callbacks(): KfCallbackRecord[] {
    return this.callbackLog.map((c) => ({ ...c }));
  }

  /** The account's whole log, as sync_msg would return it. */
  log(openKfid: string): KfLogEntry[] {
    this.state.requireAccount(openKfid);
    return (this.state.logs.get(openKfid) ?? []).map((e) => ({ ...e, item: structuredClone(e.item) }));
  }

  /** What customers received (accepted send_msg / send_msg_on_event), oldest first. */
  delivered(filter: { openKfid?: string; externalUserId?: string } = {}): KfDeliveredMessage[] {
    return this.state.delivered
      .filter((d) => (filter.openKfid === undefined || d.openKfid === filter.openKfid) && (filter.externalUserId === undefined || d.externalUserId === filter.externalUserId))
      .map(({ logSeq: _logSeq, ...d }) => ({ ...d, body: structuredClone(d.body) }));
  }

  session(openKfid: string, externalUserId: string): KfSessionView {
    this.state.requireAccount(openKfid);
    return this.state.sessionView(openKfid, externalUserId);
  }

  /** The next `count` sync_msg calls of the account answer an empty page with has_more=1. */
  queueEmptyPages(openKfid: string, count: number): void {
    this.state.queueEmptyPages(openKfid, count);
  }

  /** Moves the kf clock (tokens, codes, 48 h window, 3-day history) forward. */
  advanceClock(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new SimInputError('advanceMs must be a non-negative number');
    this.state.clockOffsetMs += ms;
    return this.state.now();
  }

  now(): number {
    return this.state.now();
  }

  configure(settings: Partial<KfSimSettings>): KfSimSettings {
    this.state.settings = { ...this.state.settings, ...settings };
    return this.settings();
  }

  settings(): KfSimSettings {
    return structuredClone(this.state.settings);
  }

  calls(api?: KfApi | (string & {})): CallRecord[] {
    return this.state.calls.list(api);
  }

  script(spec: KfFaultSpec): void {
    this.state.faults.add(spec);
  }

  clearScripts(api?: string): void {
    this.state.faults.clear(api);
  }

  faults(): Array<FaultSpec & { remaining: number | null }> {
    return this.state.faults.list();
  }

  reset(): void {
    this.state.reset();
    this.pending.length = 0;
    this.callbackLog.length = 0;
  }

  /** Sets the servicer; logs servicer_status_change (status 1 receiving / 2 stopped) when an existing one changed. */
  private applyServicer(openKfid: string, userid: string, status: 0 | 1): { servicers: KfServicer[]; changed?: KfLogEntry } {
    const { servicers, previous } = this.state.setServicer(openKfid, userid, status);
    if (previous === undefined || previous === status) return { servicers };
    // servicer/list says 0 receiving / 1 stopped; the event says 1 receiving / 2 stopped [D].
    const entry = this.state.append(openKfid, {
      send_time: Math.floor(this.state.now() / 1000),
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'servicer_status_change', servicer_userid: userid, status: status === 0 ? 1 : 2, open_kfid: openKfid },
    });
    return { servicers, changed: { ...entry, item: structuredClone(entry.item) } };
  }

  /** The sync_msg payload of a customer message; media get bytes in the WeCom sim (media/get). */
  private customerPayload(corpId: string, msg: Exclude<KfCustomerMessage, { type: 'enter_session' }>): Record<string, unknown> {
    const media = (opts: Parameters<WecomSim['addMedia']>[1]): string => this.wecom.addMedia(corpId, opts);
    switch (msg.type) {
      case 'text':
        return msg.menuId ? { content: msg.content, menu_id: msg.menuId } : { content: msg.content };
      case 'image':
        return { media_id: msg.mediaId ?? media(KF_SIM_IMAGE) };
      case 'voice':
        return { media_id: media(KF_SIM_VOICE) };
      case 'video':
        return { media_id: media(KF_SIM_VIDEO) };
      case 'file':
        return { media_id: media(kfSimFile(msg.fileName)) };
      case 'location':
        return { latitude: msg.latitude, longitude: msg.longitude, name: msg.name ?? '', address: msg.address ?? '' };
      case 'link':
        return { title: msg.title, desc: msg.desc ?? '', url: msg.url, pic_url: msg.picUrl ?? '' };
      case 'business_card':
        return { userid: msg.userid };
      case 'miniprogram':
        return { appid: msg.appid, title: msg.title ?? '', pagepath: msg.pagepath ?? '', thumb_media_id: msg.thumbMediaId ?? media(KF_SIM_THUMB) };
    }
  }

  /** kf_msg_or_event for an account, according to the corp's callback mode. */
  private async announce(openKfid: string, override?: KfCallbackMode): Promise<KfCallbackRecord[]> {
    const acc = this.state.accounts.get(openKfid);
    const target = acc && this.state.callbackUrls.get(acc.corpId);
    const mode = override ?? target?.mode;
    if (!acc || !target || mode === 'none') return [];
    if (mode === 'hold') {
      this.pending.push({ corpId: acc.corpId, openKfid });
      return [];
    }
    const out = [await this.deliver(acc.corpId, openKfid, target.url)];
    if (mode === 'duplicate') out.push(await this.deliver(acc.corpId, openKfid, target.url));
    return out;
  }

  private async deliver(corpId: string, openKfid: string, url: string): Promise<KfCallbackRecord> {
    const token = this.state.issueMsgToken(openKfid);
    const xml =
      `<xml>${cdataElement('ToUserName', corpId)}<CreateTime>${Math.floor(this.state.now() / 1000)}</CreateTime>` +
      `${cdataElement('MsgType', 'event')}${cdataElement('Event', 'kf_msg_or_event')}${cdataElement('Token', token)}${cdataElement('OpenKfId', openKfid)}</xml>`;
    const post = this.wecom.client.buildEncryptedPost(corpId, xml);
    const r = await sendOutbound({
      method: 'POST',
      url: post.url(url),
      headers: { 'content-type': 'text/xml', 'user-agent': 'Mozilla/4.0 (imbridge platform-sim; WeCom kf callback)' },
      body: post.body,
      timeoutMs: WECOM_CALLBACK_TIMEOUT_MS,
    });
    const rec: KfCallbackRecord = { corpId, openKfid, token, status: r.status, ...(r.error === undefined ? {} : { error: r.error }) };
    this.callbackLog.push(rec);
    return rec;
  }
}
