import type { I18nText } from '@imbridge/contracts';
import { PlatformError, type CredentialCheckResult, type SendContext } from '@imbridge/platform-core';

/** What "test connection" gets: a send context without the idempotency key. */
export type WecomVerifyContext = Omit<SendContext, 'idempotencyKey'>;

/** The caller's IP as WeCom reports it in a 60020 errmsg ("..., from ip: 1.2.3.4, more info ..."). */
export function ipFromWecomErrmsg(errmsg: string): string | undefined {
  return /from ip:\s*([0-9a-fA-F.:]+?)(?=[,\s]|$)/.exec(errmsg)?.[1];
}

/** 40013 on gettoken: the CorpID is wrong (the same for every WeCom platform). */
export const WECOM_WRONG_CORP_ID_ADVICE: I18nText = {
  zh: '企业ID错误：请核对「我的企业 → 企业信息」中的企业ID（CorpID，ww 开头）。',
  en: 'The Corp ID is wrong: compare it with "My Company → Company Info → Corp ID" in the WeCom admin console (it starts with "ww").',
};

/** Advice for an errcode nobody has specific advice for: say what WeCom said. */
export function wecomUnknownErrorAdvice(errcode: number, errmsg: string): I18nText {
  return { zh: `企业微信返回错误 ${errcode}：${errmsg}`, en: `WeCom answered error ${errcode}: ${errmsg}` };
}

/** A non-200 answer: whatever is at the API base URL is not the WeCom API (or a proxy is in the way). */
export function wecomHttpResult(baseUrl: string, status: number, api: string): CredentialCheckResult {
  return {
    ok: false,
    platformCode: `HTTP_${status}`,
    message: `WeCom ${api}: HTTP ${status}`,
    advice: {
      zh: `${baseUrl} 返回 HTTP ${status}，不像企业微信 API：请检查「API 地址」及代理。`,
      en: `${baseUrl} answered HTTP ${status}, not like the WeCom API: check the API base URL and any proxy.`,
    },
  };
}

/** The API base URL could not be reached at all. */
export function wecomUnreachableResult(baseUrl: string, err: Error): CredentialCheckResult {
  return {
    ok: false,
    platformCode: err instanceof PlatformError ? (err.platformCode ?? err.code) : 'NETWORK',
    message: err.message,
    advice: {
      zh: `无法连接 ${baseUrl}：请检查服务器的防火墙、代理设置以及「API 地址」。`,
      en: `Cannot reach ${baseUrl}: check this server's firewall and proxy settings, and the API base URL.`,
    },
  };
}

/** One raw call of a connection test (never through the token cache: it may predate a Secret change). */
export interface WecomCheckCall {
  api: string;
  method: 'GET' | 'POST';
  /** The whole query string, without `?`. */
  query: string;
  /** JSON body for a POST. */
  body?: string;
  /** Advice for an errcode other than 0. */
  advise: (errcode: number, errmsg: string) => I18nText;
  /** Result for a network failure; the generic "cannot reach" by default. */
  unreachable?: (baseUrl: string, err: Error) => CredentialCheckResult;
}

/**
 * Makes one call of a connection test: the answer on errcode 0, else a failed result with advice
 * (HTTP status, network failure, or errcode). Platform answers are never thrown.
 */
export async function wecomCheckCall<A extends { errcode?: number; errmsg?: string }>(
  ctx: WecomVerifyContext,
  baseUrl: string,
  call: WecomCheckCall,
): Promise<{ answer: A } | { result: CredentialCheckResult }> {
  let answer: A;
  try {
    const res = await ctx.http.request({
      method: call.method,
      url: `${baseUrl}/cgi-bin/${call.api}?${call.query}`,
      ...(call.body ? { headers: { 'content-type': 'application/json' }, body: call.body } : {}),
      timeoutMs: 10_000,
    });
    if (res.status !== 200) return { result: wecomHttpResult(baseUrl, res.status, call.api) };
    answer = res.json<A>();
  } catch (err) {
    if (err instanceof PlatformError && err.platformCode?.startsWith('HTTP_')) {
      return { result: wecomHttpResult(baseUrl, Number(err.platformCode.slice(5)), call.api) };
    }
    return { result: (call.unreachable ?? wecomUnreachableResult)(baseUrl, err as Error) };
  }
  const errcode = typeof answer.errcode === 'number' ? answer.errcode : -1;
  if (errcode === 0) return { answer };
  const errmsg = answer.errmsg ?? '';
  return { result: { ok: false, platformCode: String(errcode), message: `WeCom ${call.api}: ${errcode} ${errmsg}`.trim(), advice: call.advise(errcode, errmsg) } };
}

/** Reads the saved config for a connection test; a missing field is a failed result with `advice`, not a throw. */
export function wecomConfigForCheck<C>(read: () => C, advice: I18nText): { cfg: C } | { result: CredentialCheckResult } {
  try {
    return { cfg: read() };
  } catch (err) {
    return { result: { ok: false, platformCode: 'CONFIG_INCOMPLETE', message: (err as Error).message, advice } };
  }
}

/**
 * A fresh `gettoken` with the saved CorpID and Secret (never the shared token cache, which may predate a
 * Secret change): the access token, or a failed result with advice (also for an answer without a token).
 */
export async function wecomFreshTokenCheck(
  ctx: WecomVerifyContext,
  cfg: { corpId: string; secret: string; apiBaseUrl: string },
  advice: Pick<WecomCheckCall, 'advise' | 'unreachable'>,
): Promise<{ accessToken: string } | { result: CredentialCheckResult }> {
  const query = `corpid=${encodeURIComponent(cfg.corpId)}&corpsecret=${encodeURIComponent(cfg.secret)}`;
  const token = await wecomCheckCall<{ errcode?: number; errmsg?: string; access_token?: string }>(ctx, cfg.apiBaseUrl, { api: 'gettoken', method: 'GET', query, ...advice });
  if ('result' in token) return token;
  const accessToken = token.answer.access_token;
  if (!accessToken) {
    return { result: { ok: false, platformCode: '0', message: 'WeCom gettoken: answer without access_token', advice: advice.advise(0, 'answer without access_token') } };
  }
  return { accessToken };
}

/**
 * The common start of every WeCom connection test: read the config (`incomplete` advice when a field
 * is missing), then a fresh gettoken with the lib's advice. Gives the config and token for the lib's
 * own second call, or the failed result to return.
 */
export async function wecomStartCredentialCheck<C extends { corpId: string; secret: string; apiBaseUrl: string }>(
  ctx: WecomVerifyContext,
  read: (config: Readonly<Record<string, unknown>>) => C,
  incomplete: I18nText,
  advice: (cfg: C) => Pick<WecomCheckCall, 'advise' | 'unreachable'>,
): Promise<{ cfg: C; accessToken: string } | { result: CredentialCheckResult }> {
  const loaded = wecomConfigForCheck(() => read(ctx.config), incomplete);
  if ('result' in loaded) return loaded;
  const token = await wecomFreshTokenCheck(ctx, loaded.cfg, advice(loaded.cfg));
  if ('result' in token) return token;
  return { cfg: loaded.cfg, accessToken: token.accessToken };
}
