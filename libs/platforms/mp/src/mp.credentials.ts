import { PlatformError, type CredentialCheckResult, type CredentialVerifier, type SendContext } from '@imbridge/platform-core';
import { mpCredentialAdvice } from './mp-error.mapper';
import { mpStableTokenRequest, type MpApiAnswer } from './mp-token';
import { readMpConfig, type MpConfig } from './mp.descriptor';

/**
 * "Test connection": a fresh stable_token with the saved AppID and AppSecret (never the cached token,
 * which may predate a secret change; force_refresh stays false so no token in use is invalidated).
 * Every failure comes back with zh/en advice (40164 names the IP to whitelist); nothing is thrown for
 * platform answers.
 */
export class MpCredentialVerifier implements CredentialVerifier {
  async verify(ctx: Omit<SendContext, 'idempotencyKey'>): Promise<CredentialCheckResult> {
    let cfg: MpConfig;
    try {
      cfg = readMpConfig(ctx.config);
    } catch (err) {
      return {
        ok: false,
        platformCode: 'CONFIG_INCOMPLETE',
        message: (err as Error).message,
        advice: {
          zh: '配置不完整：请填写 AppID、AppSecret、Token，以及（兼容/安全模式下）EncodingAESKey。',
          en: 'The configuration is incomplete: fill in AppID, AppSecret, Token and (in compatible/safe mode) the EncodingAESKey.',
        },
      };
    }
    let answer: MpApiAnswer;
    try {
      const res = await ctx.http.request(mpStableTokenRequest(cfg));
      if (res.status !== 200) return httpResult(cfg.apiBaseUrl, res.status);
      answer = res.json<MpApiAnswer>();
    } catch (err) {
      if (err instanceof PlatformError && err.platformCode?.startsWith('HTTP_')) return httpResult(cfg.apiBaseUrl, Number(err.platformCode.slice(5)));
      return unreachable(cfg.apiBaseUrl, err as Error);
    }
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
    if (errcode === 0 && typeof answer['access_token'] === 'string' && answer['access_token'] !== '') {
      return { ok: true, message: `WeChat MP ${cfg.appId} (${cfg.accountType}${cfg.verified ? ', verified' : ''})` };
    }
    const code = errcode === 0 ? -1 : errcode;
    const errmsg = answer.errmsg ?? 'answer without access_token';
    return { ok: false, platformCode: String(code), message: `WeChat MP stable_token: ${code} ${errmsg}`, advice: mpCredentialAdvice(code, errmsg) };
  }
}

function httpResult(baseUrl: string, status: number): CredentialCheckResult {
  return {
    ok: false,
    platformCode: `HTTP_${status}`,
    message: `WeChat MP stable_token: HTTP ${status}`,
    advice: {
      zh: `${baseUrl} 返回 HTTP ${status}，不像微信公众平台 API：请检查「API 地址」及代理。`,
      en: `${baseUrl} answered HTTP ${status}, not like the WeChat MP API: check the API base URL and any proxy.`,
    },
  };
}

function unreachable(baseUrl: string, err: Error): CredentialCheckResult {
  const code = err instanceof PlatformError ? (err.platformCode ?? err.code) : 'NETWORK';
  if (code === 'URL_NOT_ALLOWED') {
    return {
      ok: false,
      platformCode: code,
      message: err.message,
      advice: {
        zh: `API 地址 ${baseUrl} 不被允许（安全策略禁止访问内网地址）：请检查「API 地址」。`,
        en: `The API base URL ${baseUrl} is not allowed (private addresses are blocked): check the API base URL.`,
      },
    };
  }
  return {
    ok: false,
    platformCode: code,
    message: err.message,
    advice: {
      zh: `无法连接 ${baseUrl}：请检查服务器的防火墙、代理设置以及「API 地址」。`,
      en: `Cannot reach ${baseUrl}: check this server's firewall and proxy settings, and the API base URL.`,
    },
  };
}
