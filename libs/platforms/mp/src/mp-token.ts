import { createHash } from 'node:crypto';
import { PlatformError, type HttpRequest, type SendContext } from '@imbridge/platform-core';
import { mapMpError, MP_TOKEN_ERRCODES } from './mp-error.mapper';
import type { MpConfig } from './mp.descriptor';

/** An MP JSON answer: a success may carry no errcode at all (stable_token), else errcode 0. */
export interface MpApiAnswer {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

/** Token cache key: one token per (AppID, AppSecret); the secret never leaves this process. */
export function mpAccessTokenKey(cfg: Pick<MpConfig, 'appId' | 'appSecret'>): string {
  const secretId = createHash('sha256').update(cfg.appSecret).digest('hex').slice(0, 16);
  return `mp:${cfg.appId}:${secretId}`;
}

/** The JSON body of `POST /cgi-bin/stable_token` (§3.2). force_refresh stays false: see fetchMpStableToken. */
export function mpStableTokenRequest(cfg: Pick<MpConfig, 'appId' | 'appSecret' | 'apiBaseUrl'>): HttpRequest {
  return {
    method: 'POST',
    url: `${cfg.apiBaseUrl}/cgi-bin/stable_token`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credential', appid: cfg.appId, secret: cfg.appSecret, force_refresh: false }),
    timeoutMs: 10_000,
  };
}

/**
 * The stable access token. Never `force_refresh`: that invalidates the token other processes still
 * use and is limited to 20 a day; in normal mode WeChat rotates the token itself 5 minutes before it
 * expires, old and new overlapping, so a re-fetch never breaks a token in use. On this API 40001 and
 * 40125 mean a wrong AppSecret: a config error, never a token refresh.
 */
export async function fetchMpStableToken(
  ctx: Pick<SendContext, 'http'>,
  cfg: Pick<MpConfig, 'appId' | 'appSecret' | 'apiBaseUrl'>,
): Promise<{ token: string; expiresInSeconds: number }> {
  const res = await ctx.http.request(mpStableTokenRequest(cfg));
  if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeChat MP stable_token: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
  const body = res.json<MpApiAnswer>();
  const token = body['access_token'];
  const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
  if (errcode === 0 && typeof token === 'string' && token !== '') {
    return { token, expiresInSeconds: typeof body['expires_in'] === 'number' ? body['expires_in'] : 7200 };
  }
  const err = mapMpError(errcode === 0 ? -1 : errcode, body.errmsg ?? 'no access_token', 'stable_token');
  throw err.code === 'AUTH_EXPIRED' ? new PlatformError('CONFIG', err.message, { platformCode: err.platformCode }) : err;
}

/** One MP API call made with the access token; the request is built per attempt (a FormData is single-use). */
export interface MpTokenCall {
  /** Path below `/cgi-bin/`, e.g. `message/custom/send`. */
  api: string;
  /** Extra query parameters after access_token. */
  query?: Record<string, string>;
  makeRequest: () => Omit<HttpRequest, 'url'>;
}

/**
 * Calls `/cgi-bin/<api>` with the shared access token. On a token errcode (40001/40014/41001/42001)
 * only the token that failed is invalidated and the call retried exactly once; every other errcode is
 * mapped (45015/45047 not retryable).
 */
export async function callMpWithToken<T extends MpApiAnswer = MpApiAnswer>(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: Pick<MpConfig, 'appId' | 'appSecret' | 'apiBaseUrl'>,
  call: MpTokenCall,
): Promise<T> {
  const key = mpAccessTokenKey(cfg);
  const extra = Object.entries(call.query ?? {})
    .map(([k, v]) => `&${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('');
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.tokens.get(key, () => fetchMpStableToken(ctx, cfg));
    const url = `${cfg.apiBaseUrl}/cgi-bin/${call.api}?access_token=${encodeURIComponent(token)}${extra}`;
    const res = await ctx.http.request({ ...call.makeRequest(), url });
    if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeChat MP ${call.api}: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
    const answer = res.json<T>();
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
    if (errcode === 0) return answer;
    if (MP_TOKEN_ERRCODES.has(errcode) && attempt === 0) {
      await ctx.tokens.invalidate(key, token);
      continue;
    }
    throw mapMpError(errcode, answer.errmsg ?? '', call.api);
  }
}

/** POSTs `body` as JSON to an MP API, with the token refreshed once on a token error. */
export function callMpJson<T extends MpApiAnswer = MpApiAnswer>(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: Pick<MpConfig, 'appId' | 'appSecret' | 'apiBaseUrl'>,
  api: string,
  body: unknown,
): Promise<T> {
  // JSON.stringify escapes nothing beyond JSON; WeChat reads the UTF-8 as is (no \uXXXX needed).
  const json = JSON.stringify(body);
  return callMpWithToken<T>(ctx, cfg, { api, makeRequest: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: json }) });
}
