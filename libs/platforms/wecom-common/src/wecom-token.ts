import { createHash } from 'node:crypto';
import { PlatformError, type HttpRequest, type SendContext } from '@imbridge/platform-core';
import { WECOM_TOKEN_ERRCODES } from './wecom-errors';

/** What gettoken needs: the app's CorpID and Secret, and where the API is (a simulator in tests). */
export interface WecomTokenConfig {
  corpId: string;
  secret: string;
  apiBaseUrl: string;
}

/** A WeCom JSON answer: errcode 0 is success; the rest depends on the API. */
export interface WecomApiAnswer {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

/** Maps an errcode to our error; each lib passes its own (global codes plus its specific ones). */
export type WecomErrorMapper = (errcode: number, errmsg: string, api: string) => PlatformError;

/**
 * Token cache key: one token per (CorpID, Secret); the secret itself never leaves this process.
 * The app lib and the kf lib use this same key, so an app used for both shares one token
 * (gettoken is rate limited).
 */
export function wecomAccessTokenKey(cfg: Pick<WecomTokenConfig, 'corpId' | 'secret'>): string {
  const secretId = createHash('sha256').update(cfg.secret).digest('hex').slice(0, 16);
  return `wecom:${cfg.corpId}:${secretId}`;
}

/** `cgi-bin/gettoken`; errors go through `mapError`, except that an expired-token code here is a config error. */
export async function fetchWecomAccessToken(
  ctx: Pick<SendContext, 'http'>,
  cfg: WecomTokenConfig,
  mapError: WecomErrorMapper,
): Promise<{ token: string; expiresInSeconds: number }> {
  const url = `${cfg.apiBaseUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(cfg.corpId)}&corpsecret=${encodeURIComponent(cfg.secret)}`;
  const res = await ctx.http.request({ method: 'GET', url });
  if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeCom gettoken: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
  const body = res.json<WecomApiAnswer>();
  const token = body['access_token'];
  if (body.errcode === 0 && typeof token === 'string' && token !== '') {
    return { token, expiresInSeconds: typeof body['expires_in'] === 'number' ? body['expires_in'] : 7200 };
  }
  // 40001 on gettoken is a wrong secret: a config problem, never a token refresh.
  const err = mapError(typeof body.errcode === 'number' ? body.errcode : -1, body.errmsg ?? 'no errcode', 'gettoken');
  throw err.code === 'AUTH_EXPIRED' ? new PlatformError('CONFIG', err.message, { platformCode: err.platformCode }) : err;
}

/** One WeCom API call made with the access token; the request is built per attempt (a FormData is single-use). */
export interface WecomTokenCall {
  /** Path below `/cgi-bin/`, e.g. `message/send`. */
  api: string;
  /** Extra query parameters after access_token. */
  query?: Record<string, string>;
  makeRequest: () => Omit<HttpRequest, 'url'>;
  /** Prefix of the HTTP error message, e.g. `WeCom` or `WeCom kf`. */
  label: string;
  mapError: WecomErrorMapper;
}

/**
 * Calls `/cgi-bin/<api>` with the shared access token. On a token errcode (40014/42001/41001/40001)
 * only the token that failed is invalidated and the call retried exactly once.
 */
export async function callWecomWithToken<T extends WecomApiAnswer = WecomApiAnswer>(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: WecomTokenConfig,
  call: WecomTokenCall,
): Promise<T> {
  const key = wecomAccessTokenKey(cfg);
  const extra = Object.entries(call.query ?? {})
    .map(([k, v]) => `&${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('');
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.tokens.get(key, () => fetchWecomAccessToken(ctx, cfg, call.mapError));
    const url = `${cfg.apiBaseUrl}/cgi-bin/${call.api}?access_token=${encodeURIComponent(token)}${extra}`;
    const res = await ctx.http.request({ ...call.makeRequest(), url });
    if (res.status !== 200) throw new PlatformError('TEMPORARY', `${call.label} ${call.api}: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
    const answer = res.json<T>();
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : -1;
    if (errcode === 0) return answer;
    if (WECOM_TOKEN_ERRCODES.has(errcode) && attempt === 0) {
      await ctx.tokens.invalidate(key, token);
      continue;
    }
    throw call.mapError(errcode, answer.errmsg ?? '', call.api);
  }
}
