import { WECOM_ERRORS, WECOM_MEDIA_LIMITS, WECOM_MEDIA_MIN_BYTES, errmsgHintSuffix, trustedIpErrmsg, type WecomError } from './wecom-error-codes.constants';
import type { CallRecord } from '../core/call-log.recorder';
import { sleep } from '../core/delay.util';
import { multipartBoundary, parseMultipart } from '../core/multipart.parser';
import { jsonResponse, type SimRequest, type SimResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import { validateSendBody } from './wecom-message.validator';
import type { WecomApp, WecomMediaType } from './wecom-sim.types';
import type { WecomStateStore } from './wecom-state.store';

/** API keys (fault scripts, call counts) and their paths under `/cgi-bin/`. */
export const WECOM_APIS = ['gettoken', 'message/send', 'media/upload', 'media/get', 'agent/get'] as const;
export type WecomApi = (typeof WECOM_APIS)[number];

/** WeCom answers JSON with this Content-Type. */
const WECOM_JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

/** An answer before the common bookkeeping: a WeCom error, a JSON success, or raw bytes. */
type ApiAnswer =
  | { kind: 'error'; error: WecomError; errmsg?: string }
  | { kind: 'ok'; json: Record<string, unknown> }
  | { kind: 'raw'; response: SimResponse };

type Auth = { ok: true; app: WecomApp } | { ok: false; answer: ApiAnswer };

function errorAnswer(error: WecomError, errmsg?: string): ApiAnswer {
  return { kind: 'error', error, errmsg };
}

function knownErrmsg(errcode: number): string {
  const hit = Object.values(WECOM_ERRORS).find((e) => e.errcode === errcode);
  return hit?.errmsg ?? 'simulated error';
}

function queryRecord(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of q) out[k] = v;
  return out;
}

function asciiFileName(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}

/** The HTTP side of the WeCom simulator: `/cgi-bin/*` as the gateway calls it. */
export class WecomApiHandlers {
  constructor(private readonly state: WecomStateStore) {}

  /** Registers the API at `/cgi-bin/...` and at the alias `/wecom/cgi-bin/...`. */
  register(router: SimRouter): void {
    for (const prefix of ['/cgi-bin', '/wecom/cgi-bin']) {
      router.add('GET', `${prefix}/gettoken`, (req) => this.run('gettoken', req, () => this.gettoken(req)));
      router.add('POST', `${prefix}/message/send`, (req) => {
        const arrivedAt = performance.timeOrigin + performance.now();
        return this.run('message/send', req, (call) => this.messageSend(req, call, arrivedAt));
      });
      router.add('POST', `${prefix}/media/upload`, (req) => this.run('media/upload', req, (call) => this.mediaUpload(req, call)));
      router.add('GET', `${prefix}/media/get`, (req) => this.run('media/get', req, (call) => this.mediaGet(req, call)));
      router.add('GET', `${prefix}/agent/get`, (req) => this.run('agent/get', req, (call) => this.agentGet(req, call)));
    }
  }

  /** Common path of every API call: count, record, apply fault scripts, answer. */
  private async run(api: WecomApi, req: SimRequest, handle: (call: CallRecord) => ApiAnswer): Promise<SimResponse> {
    const call = this.state.calls.begin(api, { method: req.method, path: req.path, query: queryRecord(req.query), remoteAddress: req.remoteAddress });
    if (api === 'gettoken') call.tenant = req.query.get('corpid') ?? undefined;
    const fault = this.state.faults.take(api, call.callNumber);
    if (fault?.delayMs) await sleep(fault.delayMs, req.signal);
    if (fault && (fault.errcode !== undefined || (fault.httpStatus !== undefined && fault.httpStatus !== 200))) {
      call.faulted = true;
      call.httpStatus = fault.httpStatus ?? 200;
      if (fault.errcode === undefined) {
        return { status: call.httpStatus, headers: { 'content-type': 'text/html' }, body: `<html><body><h1>${call.httpStatus}</h1>simulated</body></html>` };
      }
      call.errcode = fault.errcode;
      call.errmsg = fault.errmsg ?? knownErrmsg(fault.errcode);
      return jsonResponse(call.httpStatus, { errcode: call.errcode, errmsg: call.errmsg }, WECOM_JSON_HEADERS);
    }
    const answer = handle(call);
    switch (answer.kind) {
      case 'error': {
        const errmsg =
          answer.errmsg ?? answer.error.errmsg + (this.state.settings.errmsgHints ? errmsgHintSuffix(answer.error.errcode, req.remoteAddress) : '');
        call.httpStatus = 200;
        call.errcode = answer.error.errcode;
        call.errmsg = errmsg;
        return jsonResponse(200, { errcode: answer.error.errcode, errmsg }, WECOM_JSON_HEADERS);
      }
      case 'ok':
        call.httpStatus = 200;
        call.errcode = 0;
        call.errmsg = String(answer.json['errmsg'] ?? 'ok');
        return jsonResponse(200, answer.json, WECOM_JSON_HEADERS);
      case 'raw':
        call.httpStatus = answer.response.status;
        return answer.response;
    }
  }

  /** access_token → app, then the corp's trusted-IP check. */
  private authenticate(req: SimRequest, call: CallRecord): Auth {
    const check = this.state.checkToken(req.query.get('access_token'));
    if (!check.ok) return { ok: false, answer: errorAnswer(check.error) };
    call.tenant = check.app.corpId;
    const blocked = this.state.blockedIp(check.app.corpId);
    if (blocked !== undefined) return { ok: false, answer: errorAnswer(WECOM_ERRORS.ipNotAllowed, trustedIpErrmsg(blocked)) };
    return { ok: true, app: check.app };
  }

  private gettoken(req: SimRequest): ApiAnswer {
    const corpId = req.query.get('corpid');
    const secret = req.query.get('corpsecret');
    if (!corpId) return errorAnswer(WECOM_ERRORS.corpIdMissing);
    if (!this.state.hasCorp(corpId)) return errorAnswer(WECOM_ERRORS.invalidCorpId);
    if (!secret) return errorAnswer(WECOM_ERRORS.secretMissing);
    const app = this.state.findAppBySecret(corpId, secret);
    if (!app) return errorAnswer(WECOM_ERRORS.invalidCredential);
    const blocked = this.state.blockedIp(corpId);
    if (blocked !== undefined) return errorAnswer(WECOM_ERRORS.ipNotAllowed, trustedIpErrmsg(blocked));
    const { token, expiresIn } = this.state.issueToken(app);
    return { kind: 'ok', json: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: expiresIn } };
  }

  private messageSend(req: SimRequest, call: CallRecord, arrivedAt: number): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    if (req.body.length === 0) return errorAnswer(WECOM_ERRORS.emptyPostData);
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch {
      return errorAnswer(WECOM_ERRORS.dataFormatError);
    }
    call.body = parsed;
    const app = auth.app;
    const result = validateSendBody(parsed, {
      agentId: app.agentId,
      mediaExists: (id) => this.state.getMedia(app.corpId, id) !== undefined,
      textOverLimit: this.state.settings.textOverLimit,
    });
    if (!result.ok) return errorAnswer(result.error);
    const msgid = this.state.nextMsgId();
    // enable_duplicate_check: the same content to the same recipients within the interval is accepted
    // but not delivered again [D: the option; U: that the answer is a plain success].
    if (this.state.isDuplicate(app, result.body, new Date())) {
      return { kind: 'ok', json: { errcode: 0, errmsg: 'ok', invaliduser: '', msgid } };
    }
    this.state.recordMessage({
      corpId: app.corpId,
      agentId: app.agentId,
      body: result.body,
      msgid,
      at: new Date(),
      arrivedAt,
      ...(result.truncated ? { truncated: true } : {}),
    });
    return { kind: 'ok', json: { errcode: 0, errmsg: 'ok', invaliduser: '', msgid } };
  }

  private mediaUpload(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    const type = req.query.get('type');
    if (type !== 'image' && type !== 'voice' && type !== 'video' && type !== 'file') return errorAnswer(WECOM_ERRORS.invalidMediaType);
    const boundary = multipartBoundary(req.headers['content-type']);
    const parts = boundary ? parseMultipart(req.body, boundary) : undefined;
    const part = parts?.find((p) => p.name === 'media');
    if (!part || part.data.length === 0) return errorAnswer(WECOM_ERRORS.emptyMedia);
    if (part.data.length < WECOM_MEDIA_MIN_BYTES) return errorAnswer(WECOM_ERRORS.invalidFileSize);
    const limit = WECOM_MEDIA_LIMITS[type as WecomMediaType];
    if (part.data.length > limit.maxBytes) return errorAnswer(limit.error);
    const media = this.state.addMedia(
      auth.app.corpId,
      { bytes: part.data, contentType: part.contentType ?? 'application/octet-stream', fileName: part.fileName ?? 'media', type },
      'upload',
    );
    return {
      kind: 'ok',
      json: { errcode: 0, errmsg: 'ok', type, media_id: media.mediaId, created_at: String(Math.floor(media.createdAt.getTime() / 1000)) },
    };
  }

  /**
   * `agent/get?agentid=`: the app's details. The token's own app answers; an agentid the corp does
   * not have is 40056; another app of the corp is 60011 (a Secret only sees its own app) [U: code].
   */
  private agentGet(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    const raw = req.query.get('agentid');
    if (raw === null || raw === '') return errorAnswer(WECOM_ERRORS.agentIdMissing);
    if (!/^\d+$/.test(raw)) return errorAnswer(WECOM_ERRORS.invalidAgentId);
    const agentId = Number(raw);
    if (agentId === auth.app.agentId) {
      return {
        kind: 'ok',
        json: {
          errcode: 0,
          errmsg: 'ok',
          agentid: agentId,
          name: `Sim app ${agentId}`,
          square_logo_url: '',
          description: '',
          allow_userinfos: { user: [] },
          allow_partys: { partyid: [1] },
          allow_tags: { tagid: [] },
          close: 0,
          redirect_domain: '',
          report_location_flag: 0,
          isreportenter: 0,
          home_url: '',
        },
      };
    }
    if (this.state.findApp(auth.app.corpId, agentId)) return errorAnswer(WECOM_ERRORS.noPrivilege);
    return errorAnswer(WECOM_ERRORS.invalidAgentId);
  }

  private mediaGet(req: SimRequest, call: CallRecord): ApiAnswer {
    const auth = this.authenticate(req, call);
    if (!auth.ok) return auth.answer;
    const mediaId = req.query.get('media_id');
    if (!mediaId) return errorAnswer(WECOM_ERRORS.mediaIdMissing);
    const media = this.state.getMedia(auth.app.corpId, mediaId);
    if (!media) return errorAnswer(WECOM_ERRORS.invalidMediaId);
    return {
      kind: 'raw',
      response: {
        status: 200,
        headers: {
          'content-type': media.contentType,
          'content-disposition': `attachment; filename="${asciiFileName(media.fileName)}"; filename*=UTF-8''${encodeURIComponent(media.fileName)}`,
          'cache-control': 'no-cache, must-revalidate',
        },
        body: media.bytes,
      },
    };
  }
}
