import type { CallRecord } from '../core/call-log.recorder';
import { sleep } from '../core/delay.util';
import { jsonResponse, type SimRequest, type SimResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import type { WecomError } from '../wecom/wecom-error-codes.constants';
import type { WecomSim } from '../wecom/wecom-sim';
import { KF_ERRORS, KF_SYNC_MAX_LIMIT, KF_TEXT_MAX_BYTES } from './kf-error-codes.constants';
import type { KfServiceState } from './kf-sim.types';
import type { KfStateStore } from './kf-state.store';

/** API keys (fault scripts, call counts) and their paths under `/cgi-bin/`. */
export const KF_APIS = [
  'kf/account/list',
  'kf/account/add',
  'kf/add_contact_way',
  'kf/servicer/list',
  'kf/sync_msg',
  'kf/send_msg',
  'kf/send_msg_on_event',
  'kf/service_state/get',
  'kf/service_state/trans',
  'kf/customer/batchget',
] as const;
export type KfApi = (typeof KF_APIS)[number];

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };
const SEND_TYPES = ['text', 'image', 'voice', 'video', 'file', 'link', 'miniprogram', 'msgmenu', 'location', 'ca_link'];
const ID_RE = /^[0-9a-zA-Z_-]*$/;

type Answer = { kind: 'error'; error: WecomError } | { kind: 'ok'; json: Record<string, unknown> };
type Body = Record<string, unknown>;

const err = (error: WecomError): Answer => ({ kind: 'error', error });
const ok = (extra: Record<string, unknown> = {}): Answer => ({ kind: 'ok', json: { errcode: 0, errmsg: 'ok', ...extra } });

/** Opaque, stable cursor: the log position after which the next page starts. */
export function encodeCursor(openKfid: string, seq: number): string {
  return Buffer.from(`k1.${seq}.${openKfid.slice(-8)}`).toString('base64url');
}

function decodeCursor(openKfid: string, cursor: string): number | undefined {
  const m = /^k1\.(\d+)\.(.*)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || m[2] !== openKfid.slice(-8)) return undefined;
  return Number(m[1]);
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The HTTP side of 微信客服: `/cgi-bin/kf/*`, authenticated by the WeCom sim's access tokens. */
export class KfApiHandlers {
  constructor(
    private readonly state: KfStateStore,
    private readonly wecom: WecomSim,
    /** Called after log entries were appended (the sim pushes kf_msg_or_event). */
    private readonly appended: (openKfid: string) => void,
  ) {}

  register(router: SimRouter): void {
    for (const prefix of ['/cgi-bin', '/wecom/cgi-bin']) {
      const post = (api: KfApi, fn: (corpId: string, body: Body, req: SimRequest) => Answer): void => {
        router.add('POST', `${prefix}/${api}`, (req) => this.run(api, req, fn));
      };
      post('kf/account/list', (c, b) => this.accountList(c, b));
      router.add('GET', `${prefix}/kf/account/list`, (req) => this.run('kf/account/list', req, (c) => this.accountList(c, {})));
      post('kf/account/add', (c, b) => this.accountAdd(c, b));
      post('kf/add_contact_way', (c, b) => this.addContactWay(c, b));
      router.add('GET', `${prefix}/kf/servicer/list`, (req) => this.run('kf/servicer/list', req, (c, _b, r) => this.servicerList(c, r)));
      post('kf/sync_msg', (c, b) => this.syncMsg(c, b));
      post('kf/customer/batchget', (_c, b) => this.customerBatchget(b));
      post('kf/send_msg', (c, b) => this.sendMsg(c, b));
      post('kf/send_msg_on_event', (c, b) => this.sendMsgOnEvent(c, b));
      post('kf/service_state/get', (c, b) => this.stateGet(c, b));
      post('kf/service_state/trans', (c, b) => this.stateTrans(c, b));
    }
  }

  /** Common path: record, faults, access_token via the WeCom sim, JSON body, answer. */
  private async run(api: KfApi, req: SimRequest, handle: (corpId: string, body: Body, req: SimRequest) => Answer): Promise<SimResponse> {
    const query: Record<string, string> = {};
    for (const [k, v] of req.query) query[k] = v;
    const call = this.state.calls.begin(api, { method: req.method, path: req.path, query, remoteAddress: req.remoteAddress });
    const fault = this.state.faults.take(api, call.callNumber);
    if (fault?.delayMs) await sleep(fault.delayMs, req.signal);
    if (fault && (fault.errcode !== undefined || (fault.httpStatus !== undefined && fault.httpStatus !== 200))) {
      call.faulted = true;
      call.httpStatus = fault.httpStatus ?? 200;
      call.errcode = fault.errcode ?? -1;
      call.errmsg = fault.errmsg ?? 'simulated error';
      return jsonResponse(call.httpStatus, { errcode: call.errcode, errmsg: call.errmsg }, JSON_HEADERS);
    }
    const answer = this.answer(req, call, handle);
    call.httpStatus = 200;
    if (answer.kind === 'error') {
      call.errcode = answer.error.errcode;
      call.errmsg = answer.error.errmsg;
      return jsonResponse(200, { errcode: answer.error.errcode, errmsg: answer.error.errmsg }, JSON_HEADERS);
    }
    call.errcode = 0;
    call.errmsg = 'ok';
    return jsonResponse(200, answer.json, JSON_HEADERS);
  }

  private answer(req: SimRequest, call: CallRecord, handle: (corpId: string, body: Body, req: SimRequest) => Answer): Answer {
    const auth = this.wecom.checkAccessToken(req.query.get('access_token'));
    if (!auth.ok) return err(auth.error);
    call.tenant = auth.app.corpId;
    let body: Body = {};
    if (req.method === 'POST') {
      if (req.body.length === 0) return err(KF_ERRORS.emptyPostData);
      try {
        const parsed: unknown = JSON.parse(req.body.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return err(KF_ERRORS.dataFormatError);
        body = parsed as Body;
      } catch {
        return err(KF_ERRORS.dataFormatError);
      }
      call.body = body;
    }
    return handle(auth.app.corpId, body, req);
  }

  private accountList(corpId: string, b: Body): Answer {
    const offset = b['offset'] ?? 0;
    const limit = b['limit'] ?? 100;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return err(KF_ERRORS.invalidParameter);
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > 100) return err(KF_ERRORS.invalidParameter);
    const list = this.state.listAccounts(corpId).slice(offset, offset + limit);
    return ok({ account_list: list.map((a) => ({ open_kfid: a.openKfid, name: a.name, avatar: a.avatar, manage_privilege: a.managePrivilege })) });
  }

  private accountAdd(corpId: string, b: Body): Answer {
    const name = b['name'];
    if (typeof name !== 'string' || name.length === 0 || [...name].length > 16) return err(KF_ERRORS.invalidParameter);
    if (typeof b['media_id'] !== 'string' || b['media_id'].length === 0 || byteLength(b['media_id']) > 128) return err(KF_ERRORS.invalidParameter);
    return ok({ open_kfid: this.state.addAccount(corpId, name).openKfid });
  }

  private addContactWay(corpId: string, b: Body): Answer {
    const acc = this.state.account(corpId, b['open_kfid']);
    if (!acc.ok) return err(acc.error);
    const scene = b['scene'] ?? '';
    if (typeof scene !== 'string' || byteLength(scene) > 32 || !ID_RE.test(scene)) return err(KF_ERRORS.invalidParameter);
    const url = `https://work.weixin.qq.com/kfid/${acc.value.openKfid}${scene ? `?enc_scene=${scene}` : ''}`;
    // Remembered so the simulated customer can open it (`POST /_sim/kf/open-link`).
    this.state.issueLink(acc.value.openKfid, scene, url);
    return ok({ url });
  }

  private servicerList(corpId: string, req: SimRequest): Answer {
    const acc = this.state.account(corpId, req.query.get('open_kfid'));
    if (!acc.ok) return err(acc.error);
    return ok({ servicer_list: (this.state.servicers.get(acc.value.openKfid) ?? []).map((s) => ({ userid: s.userid, status: s.status })) });
  }

  /** kf/customer/batchget: 1–100 external_userids → profiles; unknown ones in invalid_external_userid. */
  private customerBatchget(b: Body): Answer {
    const list = b['external_userid_list'];
    if (!Array.isArray(list) || list.length === 0 || list.length > 100 || !list.every((id) => typeof id === 'string' && id !== '')) {
      return err(KF_ERRORS.invalidParameter);
    }
    const customers: Record<string, unknown>[] = [];
    const invalid: string[] = [];
    for (const id of new Set(list as string[])) {
      const p = this.state.customerProfile(id);
      if (p) customers.push({ external_userid: id, nickname: p.nickname, avatar: p.avatar, gender: p.gender, unionid: '' });
      else invalid.push(id);
    }
    return ok({ customer_list: customers, invalid_external_userid: invalid });
  }

  private syncMsg(corpId: string, b: Body): Answer {
    const acc = this.state.account(corpId, b['open_kfid']);
    if (!acc.ok) return err(acc.error);
    const openKfid = acc.value.openKfid;
    const limit = b['limit'] ?? KF_SYNC_MAX_LIMIT;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > KF_SYNC_MAX_LIMIT) return err(KF_ERRORS.invalidParameter);
    const token = b['token'];
    if (token !== undefined && token !== '') {
      if (typeof token !== 'string' || !this.state.checkMsgToken(token, openKfid)) return err(KF_ERRORS.invalidMsgToken);
    } else if (!this.state.takeTokenlessSync(openKfid)) {
      return err(KF_ERRORS.apiFreqOutOfLimit);
    }
    const cursor = b['cursor'];
    let after: number;
    if (cursor === undefined || cursor === '') after = this.state.firstSeqWithinHistory(openKfid);
    else {
      const decoded = typeof cursor === 'string' && byteLength(cursor) <= 64 ? decodeCursor(openKfid, cursor) : undefined;
      if (decoded === undefined) return err(KF_ERRORS.invalidParameter);
      after = decoded;
    }
    const log = this.state.logs.get(openKfid) ?? [];
    if (this.state.takeEmptyPage(openKfid)) {
      return ok({ next_cursor: encodeCursor(openKfid, after), has_more: 1, msg_list: [] });
    }
    const page = log.slice(after, after + limit);
    const end = after + page.length;
    return ok({ next_cursor: encodeCursor(openKfid, end), has_more: end < log.length ? 1 : 0, msg_list: page.map((e) => structuredClone(e.item)) });
  }

  /** Validates send_msg/send_msg_on_event content; returns the payload or an error. */
  private content(b: Body, allowed: readonly string[]): { ok: true; msgtype: string; payload: Record<string, unknown> } | { ok: false; error: WecomError } {
    const msgtype = b['msgtype'];
    if (typeof msgtype !== 'string' || !allowed.includes(msgtype)) return { ok: false, error: KF_ERRORS.invalidMsgType };
    const payload = b[msgtype];
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, error: KF_ERRORS.invalidParameter };
    const p = payload as Record<string, unknown>;
    if (msgtype === 'text') {
      if (typeof p['content'] !== 'string' || p['content'].length === 0) return { ok: false, error: KF_ERRORS.invalidParameter };
      if (byteLength(p['content']) > KF_TEXT_MAX_BYTES) return { ok: false, error: KF_ERRORS.contentSizeOutOfLimit };
    }
    if (['image', 'voice', 'video', 'file'].includes(msgtype) && (typeof p['media_id'] !== 'string' || p['media_id'] === '')) {
      return { ok: false, error: KF_ERRORS.invalidParameter };
    }
    if (msgtype === 'msgmenu' && !Array.isArray(p['list'])) return { ok: false, error: KF_ERRORS.invalidParameter };
    return { ok: true, msgtype, payload: p };
  }

  private ourMsgid(b: Body): { ok: true; msgid: string | undefined } | { ok: false } {
    const m = b['msgid'];
    if (m === undefined || m === '') return { ok: true, msgid: undefined };
    if (typeof m !== 'string' || byteLength(m) > 32 || !ID_RE.test(m)) return { ok: false };
    return { ok: true, msgid: m };
  }

  private sendMsg(corpId: string, b: Body): Answer {
    const acc = this.state.account(corpId, b['open_kfid']);
    if (!acc.ok) return err(acc.error);
    const openKfid = acc.value.openKfid;
    const touser = b['touser'];
    if (typeof touser !== 'string' || touser.length === 0) return err(KF_ERRORS.invalidParameter);
    const content = this.content(b, SEND_TYPES);
    if (!content.ok) return err(content.error);
    const own = this.ourMsgid(b);
    if (!own.ok) return err(KF_ERRORS.invalidParameter);
    const msgid = own.msgid ?? this.state.nextMsgid('to');
    if (this.state.msgidUsed(openKfid, msgid)) {
      // Same msgid again: nothing is sent twice; answer per the configured behaviour [U].
      return this.state.settings.duplicateMsgid === 'idempotent' ? ok({ msgid }) : err(KF_ERRORS.invalidParameter);
    }
    const check = this.state.checkSend(openKfid, touser, msgid);
    if (!check.ok || check.value.failType !== undefined) this.appended(openKfid);
    if (!check.ok) return err(check.error);
    this.state.claimMsgid(openKfid, msgid);
    if (check.value.failType === undefined) {
      this.state.deliver({ openKfid, externalUserId: touser, msgid, msgtype: content.msgtype, body: structuredClone(b), via: 'send_msg', at: this.state.now() });
    }
    return ok({ msgid });
  }

  private sendMsgOnEvent(corpId: string, b: Body): Answer {
    const own = this.ourMsgid(b);
    if (!own.ok) return err(KF_ERRORS.invalidParameter);
    const msgtype = typeof b['msgtype'] === 'string' ? b['msgtype'] : '';
    const content = this.content(b, ['text', 'msgmenu']);
    if (!content.ok) return err(content.error);
    const used = this.state.useCode(corpId, b['code'], (kind) => (kind === 'reply' ? ['text'] : ['text', 'msgmenu']), msgtype);
    if (!used.ok) return err(used.error);
    const code = used.value;
    const msgid = own.msgid ?? this.state.nextMsgid('to');
    if (this.state.msgidUsed(code.openKfid, msgid)) {
      // The code was valid but the msgid is taken: give the code back so a retry with a fresh msgid works.
      code.used = false;
      return this.state.settings.duplicateMsgid === 'idempotent' ? ok({ msgid }) : err(KF_ERRORS.invalidParameter);
    }
    this.state.claimMsgid(code.openKfid, msgid);
    this.state.deliver({
      openKfid: code.openKfid,
      externalUserId: code.externalUserId,
      msgid,
      msgtype,
      body: structuredClone(b),
      via: 'send_msg_on_event',
      at: this.state.now(),
    });
    return ok({ msgid });
  }

  private stateGet(corpId: string, b: Body): Answer {
    const acc = this.state.account(corpId, b['open_kfid']);
    if (!acc.ok) return err(acc.error);
    const user = b['external_userid'];
    if (typeof user !== 'string' || user.length === 0) return err(KF_ERRORS.invalidParameter);
    const view = this.state.sessionView(acc.value.openKfid, user);
    return ok({ service_state: view.serviceState, servicer_userid: view.servicerUserId ?? '' });
  }

  private stateTrans(corpId: string, b: Body): Answer {
    const acc = this.state.account(corpId, b['open_kfid']);
    if (!acc.ok) return err(acc.error);
    const user = b['external_userid'];
    if (typeof user !== 'string' || user.length === 0) return err(KF_ERRORS.invalidParameter);
    const to = b['service_state'];
    if (to !== 0 && to !== 1 && to !== 2 && to !== 3 && to !== 4) return err(KF_ERRORS.invalidParameter);
    const servicer = b['servicer_userid'];
    if (to === 3 && (typeof servicer !== 'string' || servicer.length === 0)) return err(KF_ERRORS.invalidParameter);
    const result = this.state.transition(acc.value.openKfid, user, to as KfServiceState, to === 3 ? (servicer as string) : null);
    if (!result.ok) return err(result.error);
    this.appended(acc.value.openKfid);
    return ok(result.value.msgCode === undefined ? {} : { msg_code: result.value.msgCode });
  }
}
