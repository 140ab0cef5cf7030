import { PlatformError, type SendContext } from '@imbridge/platform-core';
import type { WecomKfConfig } from './wecom-kf.descriptor';
import { callWecomWithToken, fetchWecomAccessToken, wecomAccessTokenKey, type WecomApiAnswer } from '@imbridge/platform-wecom-common';
import { mapWecomKfError } from './wecom-kf-error.mapper';

/** What the kf API calls need from the caller (a send context without the idempotency key). */
export type KfCallContext = Pick<SendContext, 'http' | 'tokens'>;

export type KfAnswer = WecomApiAnswer;

/**
 * Token cache key: one token per (CorpID, Secret). The same key as the WeCom lib (both come from
 * wecom-common) on purpose, so an app used for both shares one token (gettoken is rate limited).
 */
export function wecomKfTokenKey(cfg: WecomKfConfig): string {
  return wecomAccessTokenKey(cfg);
}

export function fetchWecomKfToken(ctx: Pick<SendContext, 'http'>, cfg: WecomKfConfig): Promise<{ token: string; expiresInSeconds: number }> {
  return fetchWecomAccessToken(ctx, cfg, mapWecomKfError);
}

/**
 * Calls `/cgi-bin/<api>` with the shared access token. On a token errcode (40014/42001/41001/40001)
 * the failed token is invalidated and the call retried exactly once.
 */
export function callKfApi<T extends KfAnswer = KfAnswer>(
  ctx: KfCallContext,
  cfg: WecomKfConfig,
  api: string,
  request: { method: 'GET'; query?: Record<string, string> } | { method: 'POST'; json?: unknown; form?: () => FormData; query?: Record<string, string> },
): Promise<T> {
  const json = request.method === 'POST' && request.json !== undefined ? JSON.stringify(request.json) : undefined;
  return callWecomWithToken<T>(ctx, cfg, {
    api,
    query: request.query ?? {},
    label: 'WeCom kf',
    mapError: mapWecomKfError,
    makeRequest: () =>
      request.method === 'GET'
        ? { method: 'GET' }
        : request.form
          ? { method: 'POST', body: request.form() }
          : { method: 'POST', headers: { 'content-type': 'application/json' }, body: json ?? '{}' },
  });
}

// ---- kf/sync_msg (doc 94670) ----

/** sync_msg's `limit`: default and maximum 1000. */
export const KF_SYNC_MAX_LIMIT = 1000;

export interface KfSyncRequest {
  /** Stored next_cursor; absent on the very first pull (the platform then starts 3 days back). */
  cursor?: string;
  /** The callback's Token (10 minutes); without it sync_msg is strictly rate limited. */
  token?: string;
  limit?: number;
  openKfId?: string;
  /** 0 = AMR (default), 1 = SILK. */
  voiceFormat?: 0 | 1;
}

/** One raw entry of msg_list, as the platform sends it. */
export type KfRawMessage = Record<string, unknown>;

export interface KfSyncPage {
  nextCursor: string;
  /** Loop on this, not on an empty list: the platform may answer has_more=1 with no messages. */
  hasMore: boolean;
  messages: KfRawMessage[];
}

export function buildSyncMsgBody(req: KfSyncRequest): Record<string, unknown> {
  const limit = req.limit === undefined ? KF_SYNC_MAX_LIMIT : Math.min(Math.max(1, Math.floor(req.limit)), KF_SYNC_MAX_LIMIT);
  return {
    ...(req.cursor ? { cursor: req.cursor } : {}),
    ...(req.token ? { token: req.token } : {}),
    limit,
    voice_format: req.voiceFormat ?? 0,
    ...(req.openKfId ? { open_kfid: req.openKfId } : {}),
  };
}

export function parseSyncMsgAnswer(answer: KfAnswer, previousCursor?: string): KfSyncPage {
  const list = Array.isArray(answer['msg_list']) ? (answer['msg_list'] as unknown[]) : [];
  const nextCursor = typeof answer['next_cursor'] === 'string' && answer['next_cursor'] !== '' ? answer['next_cursor'] : (previousCursor ?? '');
  return {
    nextCursor,
    hasMore: answer['has_more'] === 1 || answer['has_more'] === true,
    messages: list.filter((m): m is KfRawMessage => typeof m === 'object' && m !== null && !Array.isArray(m)),
  };
}

/** One page of `kf/sync_msg`. The caller persists `nextCursor` with the page's messages. */
export async function syncMsg(ctx: KfCallContext, cfg: WecomKfConfig, req: KfSyncRequest): Promise<KfSyncPage> {
  const answer = await callKfApi(ctx, cfg, 'kf/sync_msg', { method: 'POST', json: buildSyncMsgBody(req) });
  return parseSyncMsgAnswer(answer, req.cursor);
}

// ---- accounts, links, servicers (doc 94661, 94665, 94645) ----

export interface KfAccount {
  openKfId: string;
  name: string;
  avatar?: string;
  managePrivilege?: boolean;
}

export async function listKfAccounts(ctx: KfCallContext, cfg: WecomKfConfig): Promise<KfAccount[]> {
  const out: KfAccount[] = [];
  // Pages of 100 (the maximum); a page shorter than asked is the last one. Bounded: 5000 accounts per corp.
  for (let offset = 0; offset < 5000; offset += 100) {
    const answer = await callKfApi(ctx, cfg, 'kf/account/list', { method: 'POST', json: { offset, limit: 100 } });
    const list = Array.isArray(answer['account_list']) ? (answer['account_list'] as Record<string, unknown>[]) : [];
    for (const a of list) {
      if (typeof a?.['open_kfid'] !== 'string') continue;
      out.push({
        openKfId: a['open_kfid'],
        name: typeof a['name'] === 'string' ? a['name'] : '',
        ...(typeof a['avatar'] === 'string' ? { avatar: a['avatar'] } : {}),
        ...(typeof a['manage_privilege'] === 'boolean' ? { managePrivilege: a['manage_privilege'] } : {}),
      });
    }
    if (list.length < 100) break;
  }
  return out;
}

/** scene: ≤ 32 bytes of [0-9a-zA-Z_-] (doc 94665). */
export const KF_SCENE_PATTERN = /^[0-9a-zA-Z_-]{1,32}$/;

export async function addContactWay(ctx: KfCallContext, cfg: WecomKfConfig, openKfId: string, scene?: string): Promise<string> {
  if (scene !== undefined && !KF_SCENE_PATTERN.test(scene)) {
    throw new PlatformError('INVALID', 'scene must be 1-32 characters of 0-9 a-z A-Z _ -', { platformCode: 'SCENE' });
  }
  const answer = await callKfApi(ctx, cfg, 'kf/add_contact_way', { method: 'POST', json: { open_kfid: openKfId, ...(scene ? { scene } : {}) } });
  if (typeof answer['url'] !== 'string') throw new PlatformError('TEMPORARY', 'WeCom kf add_contact_way: answer without url', { platformCode: 'NO_URL' });
  return answer['url'];
}

export interface KfServicer {
  userId?: string;
  departmentId?: number;
  /** 0 = receiving, 1 = stopped (doc 94645). */
  status?: number;
  stopType?: number;
}

export async function listKfServicers(ctx: KfCallContext, cfg: WecomKfConfig, openKfId: string): Promise<KfServicer[]> {
  const answer = await callKfApi(ctx, cfg, 'kf/servicer/list', { method: 'GET', query: { open_kfid: openKfId } });
  const list = Array.isArray(answer['servicer_list']) ? (answer['servicer_list'] as Record<string, unknown>[]) : [];
  return list.map((s) => ({
    ...(typeof s['userid'] === 'string' ? { userId: s['userid'] } : {}),
    ...(typeof s['department_id'] === 'number' ? { departmentId: s['department_id'] } : {}),
    ...(typeof s['status'] === 'number' ? { status: s['status'] } : {}),
    ...(typeof s['stop_type'] === 'number' ? { stopType: s['stop_type'] } : {}),
  }));
}

// ---- customers (doc 95159) ----

export interface KfCustomer {
  externalUserId: string;
  nickname?: string;
  avatar?: string;
}

/** At most this many external_userids per kf/customer/batchget call. */
export const KF_CUSTOMER_BATCH_MAX = 100;

/** kf/customer/batchget: the WeChat profiles (nickname, avatar) of up to 100 customers; unknown ids are left out. */
export async function batchGetKfCustomers(ctx: KfCallContext, cfg: WecomKfConfig, externalUserIds: string[]): Promise<KfCustomer[]> {
  const ids = [...new Set(externalUserIds)].slice(0, KF_CUSTOMER_BATCH_MAX);
  if (ids.length === 0) return [];
  const answer = await callKfApi(ctx, cfg, 'kf/customer/batchget', { method: 'POST', json: { external_userid_list: ids, need_enter_session_context: 0 } });
  const list = Array.isArray(answer['customer_list']) ? (answer['customer_list'] as Record<string, unknown>[]) : [];
  return list
    .filter((c) => typeof c['external_userid'] === 'string')
    .map((c) => ({
      externalUserId: c['external_userid'] as string,
      ...(typeof c['nickname'] === 'string' && c['nickname'] !== '' ? { nickname: c['nickname'] } : {}),
      ...(typeof c['avatar'] === 'string' && c['avatar'] !== '' ? { avatar: c['avatar'] } : {}),
    }));
}

// ---- session state (doc 94669) ----

/** 0 new, 1 bot (智能助手), 2 queued in the pool, 3 a WeCom servicer, 4 ended / not started. */
export type KfServiceState = 0 | 1 | 2 | 3 | 4;

/**
 * The moves service_state/trans allows (doc 94669): nothing leaves 4 through the API (the customer's
 * next message makes it 0); 2 can only go to a servicer (3) or end; 3 needs a servicer.
 */
export const KF_STATE_TRANSITIONS: Readonly<Record<KfServiceState, readonly KfServiceState[]>> = { 0: [1, 2, 3, 4], 1: [2, 3, 4], 2: [3, 4], 3: [3, 4], 4: [] };

export async function getServiceState(
  ctx: KfCallContext,
  cfg: WecomKfConfig,
  openKfId: string,
  externalUserId: string,
): Promise<{ state: KfServiceState; servicerUserId?: string }> {
  const answer = await callKfApi(ctx, cfg, 'kf/service_state/get', { method: 'POST', json: { open_kfid: openKfId, external_userid: externalUserId } });
  const state = answer['service_state'];
  if (typeof state !== 'number' || ![0, 1, 2, 3, 4].includes(state)) {
    throw new PlatformError('UNKNOWN', `WeCom kf service_state/get: unexpected state ${String(state)}`, { platformCode: 'STATE' });
  }
  // servicer_userid is only meaningful in state 3.
  const servicer = state === 3 && typeof answer['servicer_userid'] === 'string' ? { servicerUserId: answer['servicer_userid'] } : {};
  return { state: state as KfServiceState, ...servicer };
}

/**
 * Changes the session state. State 3 needs a servicer (refused here before calling); a session in
 * state 4 cannot be changed by the API (the platform refuses). Returns msg_code when it gives one
 * (first change to 2/3, and to 4), for send_msg_on_event.
 */
export async function transServiceState(
  ctx: KfCallContext,
  cfg: WecomKfConfig,
  req: { openKfId: string; externalUserId: string; state: 1 | 2 | 3 | 4; servicerUserId?: string },
): Promise<{ msgCode?: string }> {
  if (req.state === 3 && !req.servicerUserId) {
    throw new PlatformError('INVALID', 'service state 3 needs a servicer userid', { platformCode: 'NO_SERVICER' });
  }
  const answer = await callKfApi(ctx, cfg, 'kf/service_state/trans', {
    method: 'POST',
    json: {
      open_kfid: req.openKfId,
      external_userid: req.externalUserId,
      service_state: req.state,
      ...(req.state === 3 ? { servicer_userid: req.servicerUserId } : {}),
    },
  });
  return typeof answer['msg_code'] === 'string' && answer['msg_code'] !== '' ? { msgCode: answer['msg_code'] } : {};
}
