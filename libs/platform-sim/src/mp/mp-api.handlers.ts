import { randomBytes } from 'node:crypto';
import type { CallRecord } from '../core/call-log.recorder';
import { sleep } from '../core/delay.util';
import { jsonResponse, type SimRequest, type SimResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import { MP_ERRORS, ipWhitelistErrmsg, knownMpErrmsg, mpRid, type MpError } from './mp-error-codes.constants';
import type { MpAccount, MpQrCode } from './mp-sim.types';
import type { MpStateStore } from './mp-state.store';

/** API keys (fault scripts, call counts); the path is `/cgi-bin/<key>`. */
export const MP_APIS = ['token', 'stable_token', 'message/custom/send', 'menu/create', 'menu/get', 'menu/delete', 'qrcode/create', 'media/get'] as const;
export type MpApi = (typeof MP_APIS)[number];

const MP_JSON_HEADERS = { 'content-type': 'application/json; encoding=utf-8' };

/** Message types custom/send accepts, and the field each needs. */
const CUSTOM_TYPES: Record<string, { field: string; required?: string }> = {
  text: { field: 'text', required: 'content' },
  image: { field: 'image', required: 'media_id' },
  voice: { field: 'voice', required: 'media_id' },
  video: { field: 'video', required: 'media_id' },
  music: { field: 'music', required: 'thumb_media_id' },
  news: { field: 'news' },
  mpnews: { field: 'mpnews', required: 'media_id' },
  mpnewsarticle: { field: 'mpnewsarticle', required: 'article_id' },
  msgmenu: { field: 'msgmenu' },
  miniprogrampage: { field: 'miniprogrampage', required: 'pagepath' },
};

/** Menu button types that carry a `key` (pushed as an event) [D]. */
const KEY_TYPES = ['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select'];
/** Byte limits [D, current doc]: name 16 (top) / 60 (sub; older docs 40), key 128, url 1024. */
export const MP_MENU_LIMITS = { topButtons: 3, subButtons: 5, topNameBytes: 16, subNameBytes: 60, keyBytes: 128, urlBytes: 1024 } as const;
/** QR codes [D]: temporary default 30 s, at most 30 days; QR_LIMIT_SCENE scene_id 1..100000; scene_str 1..64. */
export const MP_QR_LIMITS = { defaultExpireSeconds: 30, maxExpireSeconds: 2_592_000, limitSceneMax: 100_000, sceneStrMax: 64 } as const;

type ApiAnswer = { kind: 'error'; error: MpError; errmsg?: string } | { kind: 'ok'; json: Record<string, unknown> } | { kind: 'raw'; response: SimResponse };
type Auth = { ok: true; account: MpAccount } | { ok: false; answer: ApiAnswer };

const err = (error: MpError, errmsg?: string): ApiAnswer => ({ kind: 'error', error, errmsg });
const ok = (json: Record<string, unknown> = {}): ApiAnswer => ({ kind: 'ok', json: { errcode: 0, errmsg: 'ok', ...json } });

function queryRecord(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of q) out[k] = v;
  return out;
}

function bytes(v: unknown): number {
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Menu validation; undefined when fine. */
export function validateMenu(body: unknown): MpError | undefined {
  if (!isObject(body) || !Array.isArray(body['button'])) return MP_ERRORS.invalidButtonSize;
  const buttons = body['button'] as unknown[];
  if (buttons.length < 1 || buttons.length > MP_MENU_LIMITS.topButtons) return MP_ERRORS.invalidButtonSize;
  for (const b of buttons) {
    if (!isObject(b)) return MP_ERRORS.invalidButtonType;
    const nameBytes = bytes(b['name']);
    if (nameBytes < 1 || nameBytes > MP_MENU_LIMITS.topNameBytes) return MP_ERRORS.invalidButtonNameSize;
    const subs = b['sub_button'];
    if (Array.isArray(subs) && subs.length > 0) {
      if (subs.length > MP_MENU_LIMITS.subButtons) return MP_ERRORS.invalidSubButtonSize;
      for (const s of subs as unknown[]) {
        if (!isObject(s)) return MP_ERRORS.invalidSubButtonType;
        const subName = bytes(s['name']);
        if (subName < 1 || subName > MP_MENU_LIMITS.subNameBytes) return MP_ERRORS.invalidSubButtonNameSize;
        const e = validateLeaf(s, true);
        if (e) return e;
      }
      continue;
    }
    if (subs !== undefined && !Array.isArray(subs)) return MP_ERRORS.invalidSubButtonSize;
    const e = validateLeaf(b, false);
    if (e) return e;
  }
  return undefined;
}

function validateLeaf(b: Record<string, unknown>, sub: boolean): MpError | undefined {
  const type = b['type'];
  if (typeof type === 'string' && KEY_TYPES.includes(type)) {
    const n = bytes(b['key']);
    if (n < 1 || n > MP_MENU_LIMITS.keyBytes) return sub ? MP_ERRORS.invalidSubButtonKeySize : MP_ERRORS.invalidButtonKeySize;
    return undefined;
  }
  if (type === 'view') {
    const n = bytes(b['url']);
    if (n < 1 || n > MP_MENU_LIMITS.urlBytes || !/^https?:\/\//.test(String(b['url']))) return sub ? MP_ERRORS.invalidSubButtonUrlSize : MP_ERRORS.invalidButtonUrlSize;
    return undefined;
  }
  return sub ? MP_ERRORS.invalidSubButtonType : MP_ERRORS.invalidButtonType;
}

/** The HTTP side of the MP simulator: `/cgi-bin/*` (and alias `/mp/cgi-bin/*`) as the gateway calls it. */
export class MpApiHandlers {
  constructor(private readonly state: MpStateStore) {}

  register(router: SimRouter): void {
    for (const prefix of ['/cgi-bin', '/mp/cgi-bin']) {
      router.add('GET', `${prefix}/token`, (req) => this.run('token', req, (call) => this.token(req, call)));
      router.add('POST', `${prefix}/stable_token`, (req) => this.run('stable_token', req, (call) => this.stableToken(req, call)));
      router.add('POST', `${prefix}/message/custom/send`, (req) => this.run('message/custom/send', req, (call) => this.customSend(req, call)));
      router.add('POST', `${prefix}/menu/create`, (req) => this.run('menu/create', req, (call) => this.menuCreate(req, call)));
      router.add('GET', `${prefix}/menu/get`, (req) => this.run('menu/get', req, (call) => this.menuGet(req, call)));
      router.add('GET', `${prefix}/menu/delete`, (req) => this.run('menu/delete', req, (call) => this.menuDelete(req, call)));
      router.add('POST', `${prefix}/qrcode/create`, (req) => this.run('qrcode/create', req, (call) => this.qrcodeCreate(req, call)));
    }
    // `/cgi-bin/media/get` is WeCom's path too: platform-sim.ts routes it here for MP tokens (see mp-shared-routes.ts).
    router.add('GET', '/mp/cgi-bin/media/get', (req) => this.mediaGet(req));
  }

  /** `GET media/get?access_token&media_id`: the bytes of a temporary media file, or a JSON error. */
  mediaGet(req: SimRequest): Promise<SimResponse> {
    return this.run('media/get', req, (call) => this.mediaGetAnswer(req, call));
  }

  /** Whether `token` is an access token this simulator issued for an MP account. */
  ownsToken(token: string | null): boolean {
    return this.state.isMpToken(token);
  }

  /** Common path: count, record, fault scripts, answer. Errors get MP's ` rid: …` suffix. */
  private async run(api: MpApi, req: SimRequest, handle: (call: CallRecord) => ApiAnswer): Promise<SimResponse> {
    const call = this.state.calls.begin(api, { method: req.method, path: req.path, query: queryRecord(req.query), remoteAddress: req.remoteAddress });
    const fault = this.state.faults.take(api, call.callNumber);
    if (fault?.delayMs) await sleep(fault.delayMs, req.signal);
    if (fault && (fault.errcode !== undefined || (fault.httpStatus !== undefined && fault.httpStatus !== 200))) {
      call.faulted = true;
      call.httpStatus = fault.httpStatus ?? 200;
      if (fault.errcode === undefined) {
        return { status: call.httpStatus, headers: { 'content-type': 'text/html' }, body: `<html><body><h1>${call.httpStatus}</h1>simulated</body></html>` };
      }
      call.errcode = fault.errcode;
      call.errmsg = fault.errmsg ?? `${knownMpErrmsg(fault.errcode)} rid: ${mpRid()}`;
      return jsonResponse(call.httpStatus, { errcode: call.errcode, errmsg: call.errmsg }, MP_JSON_HEADERS);
    }
    const answer = handle(call);
    call.httpStatus = 200;
    if (answer.kind === 'error') {
      call.errcode = answer.error.errcode;
      call.errmsg = answer.errmsg ?? `${answer.error.errmsg} rid: ${mpRid()}`;
      return jsonResponse(200, { errcode: call.errcode, errmsg: call.errmsg }, MP_JSON_HEADERS);
    }
    if (answer.kind === 'raw') {
      call.errcode = 0;
      call.errmsg = 'ok';
      return answer.response;
    }
    call.errcode = typeof answer.json['errcode'] === 'number' ? answer.json['errcode'] : 0;
    call.errmsg = typeof answer.json['errmsg'] === 'string' ? answer.json['errmsg'] : 'ok';
    return jsonResponse(200, answer.json, MP_JSON_HEADERS);
  }

  private blocked(appId: string, req: SimRequest): ApiAnswer | undefined {
    const ip = this.state.blockedIp(appId);
    if (ip === undefined) return undefined;
    return err(MP_ERRORS.ipNotInWhitelist, ipWhitelistErrmsg(ip === '' ? req.remoteAddress : ip));
  }

  /** access_token → account, then the IP whitelist. */
  private authenticate(req: SimRequest, call: CallRecord): Auth {
    const check = this.state.checkToken(req.query.get('access_token'));
    if (!check.ok) return { ok: false, answer: err(check.error) };
    call.tenant = check.account.appId;
    const blocked = this.blocked(check.account.appId, req);
    if (blocked) return { ok: false, answer: blocked };
    return { ok: true, account: check.account };
  }

  /** appid/secret check shared by both token APIs. */
  private credentials(grantType: unknown, appId: unknown, secret: unknown, req: SimRequest, call: CallRecord): Auth {
    if (typeof appId !== 'string' || appId === '') return { ok: false, answer: err(MP_ERRORS.appIdMissing) };
    call.tenant = appId;
    if (grantType !== 'client_credential') return { ok: false, answer: err(MP_ERRORS.invalidGrantType) };
    const account = this.state.findAccount(appId);
    if (!account) return { ok: false, answer: err(MP_ERRORS.invalidAppId) };
    if (typeof secret !== 'string' || secret === '') return { ok: false, answer: err(MP_ERRORS.secretMissing) };
    if (secret !== account.appSecret) return { ok: false, answer: err(MP_ERRORS.invalidAppSecret) };
    const blocked = this.blocked(appId, req);
    if (blocked) return { ok: false, answer: blocked };
    return { ok: true, account };
  }

  /** `GET /cgi-bin/token`: success has no errcode (§3.2). */
  private token(req: SimRequest, call: CallRecord): ApiAnswer {
    const q = req.query;
    const auth = this.credentials(q.get('grant_type'), q.get('appid'), q.get('secret'), req, call);
    if (!auth.ok) return auth.answer;
    const { token, expiresIn } = this.state.issueBasicToken(auth.account.appId);
    return { kind: 'ok', json: { access_token: token, expires_in: expiresIn } };
  }

  private parseBody(req: SimRequest, call: CallRecord): { ok: true; body: Record<string, unknown> } | { ok: false; answer: ApiAnswer } {
    if (req.body.length === 0) return { ok: false, answer: err(MP_ERRORS.emptyPostData) };
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch {
      return { ok: false, answer: err(MP_ERRORS.dataFormatError) };
    }
    call.body = parsed;
    if (!isObject(parsed)) return { ok: false, answer: err(MP_ERRORS.dataFormatError) };
    return { ok: true, body: parsed };
  }

  private stableToken(req: SimRequest, call: CallRecord): ApiAnswer {
    const parsed = this.parseBody(req, call);
    if (!parsed.ok) return parsed.answer;
    const b = parsed.body;
    const auth = this.credentials(b['grant_type'], b['appid'], b['secret'], req, call);
    if (!auth.ok) return auth.answer;
    const issued = this.state.issueStableToken(auth.account.appId, b['force_refresh'] === true);
    if ('error' in issued) return err(issued.error);
    return { kind: 'ok', json: { access_token: issued.token, expires_in: issued.expiresIn } };
  }

  /** Customer-service messages need a service account or a verified one [D: 接口权限]. */
  private mayUseCustomerService(account: MpAccount): boolean {
    return account.accountType === 'service' || account.verified;
  }

  private customSend(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    const account = auth.account;
    if (!this.mayUseCustomerService(account)) return err(MP_ERRORS.apiUnauthorized);
    const parsed = this.parseBody(req, call);
    if (!parsed.ok) return parsed.answer;
    const b = parsed.body;
    const touser = b['touser'];
    if (typeof touser !== 'string' || touser === '') return err(MP_ERRORS.invalidOpenId);
    const msgtype = b['msgtype'];
    const spec = typeof msgtype === 'string' ? CUSTOM_TYPES[msgtype] : undefined;
    if (!spec || typeof msgtype !== 'string') return err(MP_ERRORS.invalidMsgType);
    const payload = b[spec.field];
    if (!isObject(payload)) return err(MP_ERRORS.invalidParameter);
    if (spec.required !== undefined && (typeof payload[spec.required] !== 'string' || payload[spec.required] === '')) return err(MP_ERRORS.invalidParameter);
    if (msgtype === 'news' && (!Array.isArray(payload['articles']) || payload['articles'].length !== 1)) return err(MP_ERRORS.invalidParameter);
    const slot = this.state.takeWindowSlot(account.appId, touser);
    if (!slot.ok) return err(slot.error);
    const at = new Date(this.state.now());
    this.state.recordDelivered({ appId: account.appId, openId: touser, msgtype, body: b, trigger: slot.trigger, at });
    this.state.addTranscript(account.appId, touser, { at, from: 'account', via: 'custom', msgType: msgtype, text: summarizeCustom(msgtype, payload), raw: b });
    return ok();
  }

  private menuAuth(req: SimRequest, call: CallRecord): Auth {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth;
    // Custom menu API: service accounts, or verified subscription accounts [D: 接口权限 table].
    if (!this.mayUseCustomerService(auth.account)) return { ok: false, answer: err(MP_ERRORS.apiUnauthorized) };
    return auth;
  }

  private menuCreate(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.menuAuth(req, call);
    if (!auth.ok) return auth.answer;
    const parsed = this.parseBody(req, call);
    if (!parsed.ok) return parsed.answer;
    const problem = validateMenu(parsed.body);
    if (problem) return err(problem);
    this.state.setMenu(auth.account.appId, parsed.body['button']);
    return ok();
  }

  private menuGet(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.menuAuth(req, call);
    if (!auth.ok) return auth.answer;
    const button = this.state.getMenu(auth.account.appId);
    if (button === undefined) return err(MP_ERRORS.menuNotExist);
    const withSubs = (button as Array<Record<string, unknown>>).map((b) => ({ ...b, sub_button: Array.isArray(b['sub_button']) ? b['sub_button'] : [] }));
    return { kind: 'ok', json: { menu: { button: withSubs } } };
  }

  private menuDelete(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.menuAuth(req, call);
    if (!auth.ok) return auth.answer;
    this.state.deleteMenu(auth.account.appId);
    return ok();
  }

  private mediaGetAnswer(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    const mediaId = req.query.get('media_id');
    if (!mediaId) return err(MP_ERRORS.mediaIdMissing);
    const file = this.state.findMedia(auth.account.appId, mediaId);
    // The real errmsg names the id's context: `invalid media_id hint: [...] rid: …` [S].
    if (!file) return err(MP_ERRORS.invalidMediaId, `invalid media_id hint: [${mediaId.slice(0, 64)}] rid: ${mpRid()}`);
    return {
      kind: 'raw',
      response: {
        status: 200,
        headers: {
          'content-type': file.contentType,
          'content-disposition': `attachment; filename="${file.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`,
          'cache-control': 'no-cache, must-revalidate',
        },
        body: file.bytes,
      },
    };
  }

  /** QR codes with parameters: verified service accounts only [D]. */
  private qrcodeCreate(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    const account = auth.account;
    if (account.accountType !== 'service' || !account.verified) return err(MP_ERRORS.apiUnauthorized);
    const parsed = this.parseBody(req, call);
    if (!parsed.ok) return parsed.answer;
    const b = parsed.body;
    const action = b['action_name'];
    if (action !== 'QR_SCENE' && action !== 'QR_STR_SCENE' && action !== 'QR_LIMIT_SCENE' && action !== 'QR_LIMIT_STR_SCENE') return err(MP_ERRORS.invalidParameter);
    const info = b['action_info'];
    const scene = isObject(info) && isObject(info['scene']) ? info['scene'] : undefined;
    if (!scene) return err(MP_ERRORS.invalidParameter);
    let sceneValue: string;
    if (action === 'QR_SCENE' || action === 'QR_LIMIT_SCENE') {
      const id = scene['scene_id'];
      const max = action === 'QR_SCENE' ? 0xffffffff : MP_QR_LIMITS.limitSceneMax;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > max) return err(MP_ERRORS.invalidParameter);
      sceneValue = String(id);
    } else {
      const str = scene['scene_str'];
      if (typeof str !== 'string' || str.length < 1 || str.length > MP_QR_LIMITS.sceneStrMax) return err(MP_ERRORS.invalidParameter);
      sceneValue = str;
    }
    const temporary = action === 'QR_SCENE' || action === 'QR_STR_SCENE';
    let expireSeconds: number | undefined;
    if (temporary) {
      const raw = b['expire_seconds'] ?? MP_QR_LIMITS.defaultExpireSeconds;
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) return err(MP_ERRORS.invalidParameter);
      expireSeconds = Math.min(raw, MP_QR_LIMITS.maxExpireSeconds);
    }
    const code: MpQrCode = {
      appId: account.appId,
      ticket: `gQ${randomBytes(42).toString('base64')}`,
      actionName: action,
      scene: sceneValue,
      url: `http://weixin.qq.com/q/${randomBytes(16).toString('base64url')}`,
      ...(expireSeconds !== undefined ? { expiresAt: this.state.now() + expireSeconds * 1000 } : {}),
    };
    this.state.addQrCode(code);
    return { kind: 'ok', json: { ticket: code.ticket, ...(expireSeconds !== undefined ? { expire_seconds: expireSeconds } : {}), url: code.url } };
  }
}

function summarizeCustom(msgtype: string, payload: Record<string, unknown>): string {
  if (msgtype === 'text') return String(payload['content']);
  if (msgtype === 'news') {
    const first = (payload['articles'] as unknown[])[0];
    return isObject(first) ? `[news ${String(first['title'] ?? '')}]` : '[news]';
  }
  const id = payload['media_id'] ?? payload['article_id'] ?? payload['pagepath'];
  return typeof id === 'string' ? `[${msgtype} ${id}]` : `[${msgtype}]`;
}
