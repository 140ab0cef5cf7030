import type { CredentialCheckResult, CredentialVerifier } from '@imbridge/platform-core';
import { PlatformError } from '@imbridge/platform-core';
import { ipFromWecomErrmsg, WECOM_WRONG_CORP_ID_ADVICE, wecomCheckCall, wecomStartCredentialCheck, wecomUnknownErrorAdvice } from '@imbridge/platform-wecom-common';
import { wecomUnreachableResult, type WecomCheckCall, type WecomVerifyContext as VerifyContext } from '@imbridge/platform-wecom-common';
import { readWecomConfig, type WecomConfig } from './wecom.descriptor';

interface Answer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  agentid?: number;
  name?: string;
}

type Advice = { zh: string; en: string };

/** The caller's IP as WeCom reports it in a 60020 errmsg (shared with the kf lib). */
export { ipFromWecomErrmsg };

/** Advice, zh + en, for an errcode of gettoken / agent/get (doc 90313). */
export function wecomCredentialAdvice(errcode: number, errmsg: string, cfg?: Pick<WecomConfig, 'agentId'>): Advice {
  const agent = cfg ? ` ${cfg.agentId}` : '';
  switch (errcode) {
    case 40013:
      return { ...WECOM_WRONG_CORP_ID_ADVICE };
    case 40001:
      return {
        zh: 'Secret 错误：请在「应用管理 → 本应用 → Secret」中查看并重新填写；重置 Secret 后旧值立即失效。',
        en: "The Secret is wrong: view it under App Management → this app → Secret and enter it again; resetting the Secret invalidates the old one at once.",
      };
    case 60020: {
      const ip = ipFromWecomErrmsg(errmsg);
      return ip
        ? {
            zh: `本服务器的出口 IP 不在企业可信IP中：请在应用详情页「企业可信IP」中加入 ${ip}。`,
            en: `This server's egress IP is not a trusted IP of the corp: add ${ip} under "Trusted corporate IP" (企业可信IP) on the app's page.`,
          }
        : {
            zh: '本服务器的出口 IP 不在企业可信IP中：请在应用详情页「企业可信IP」中加入本服务器的出口 IP。',
            en: "This server's egress IP is not a trusted IP of the corp: add it under \"Trusted corporate IP\" (企业可信IP) on the app's page.",
          };
    }
    case 41002:
      return { zh: '缺少企业ID（CorpID），请填写。', en: 'The Corp ID is missing; please fill it in.' };
    case 41004:
      return { zh: '缺少应用 Secret，请填写。', en: 'The app Secret is missing; please fill it in.' };
    case 45009:
      return {
        zh: '接口调用频率超限，请稍后（约 1 分钟）再试。',
        en: 'WeCom rate limit reached (api freq out of limit); try again in about a minute.',
      };
    case -1:
      return { zh: '企业微信系统繁忙，请稍后再试。', en: 'WeCom is busy (system busy); try again shortly.' };
    case 40056:
      return {
        zh: `AgentId${agent} 无效：请核对「应用管理 → 本应用」中的 AgentId。`,
        en: `AgentId${agent} is invalid: compare it with App Management → this app → AgentId.`,
      };
    case 60011:
      return {
        zh: `AgentId${agent} 与 Secret 不属于同一个应用（无权限）：请确认 AgentId 和 Secret 来自同一个自建应用。`,
        en: `AgentId${agent} and the Secret do not belong to the same app (no privilege): take both from the same self-built app.`,
      };
    case 48002:
    case 48001:
      return {
        zh: `接口无权限（${errcode}）：请检查应用的权限设置。`,
        en: `API not permitted (${errcode}): check the app's permissions.`,
      };
    default:
      return wecomUnknownErrorAdvice(errcode, errmsg);
  }
}

/** Network failure; a URL refused by the SSRF policy gets its own advice. */
function networkAdvice(baseUrl: string, err: PlatformError | Error): CredentialCheckResult {
  const code = err instanceof PlatformError ? err.platformCode ?? err.code : 'NETWORK';
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
  return wecomUnreachableResult(baseUrl, err);
}

/**
 * "Test connection": a fresh `gettoken` with the saved credentials (never the cached token, which may
 * predate a Secret change), then `agent/get` to confirm the AgentId belongs to that Secret. Every
 * failure comes back with advice in Chinese and English; nothing is thrown for platform answers.
 */
export class WecomCredentialVerifier implements CredentialVerifier {
  async verify(ctx: VerifyContext): Promise<CredentialCheckResult> {
    const start = await wecomStartCredentialCheck(
      ctx,
      readWecomConfig,
      { zh: '配置不完整：请填写企业ID、AgentId 和 Secret。', en: 'The configuration is incomplete: fill in Corp ID, AgentId and Secret.' },
      (cfg) => this.advice(cfg),
    );
    if ('result' in start) return start.result;
    const { cfg, accessToken } = start;
    const agent = await this.call(ctx, cfg, 'agent/get', `access_token=${encodeURIComponent(accessToken)}&agentid=${encodeURIComponent(String(cfg.agentId))}`);
    if ('result' in agent) return agent.result;
    return { ok: true, message: agent.answer.name ? `WeCom app "${agent.answer.name}" (AgentId ${cfg.agentId})` : `AgentId ${cfg.agentId}` };
  }

  private advice(cfg: WecomConfig): Pick<WecomCheckCall, 'advise' | 'unreachable'> {
    return { advise: (errcode, errmsg) => wecomCredentialAdvice(errcode, errmsg, cfg), unreachable: networkAdvice };
  }

  private call(ctx: VerifyContext, cfg: WecomConfig, api: string, query: string): Promise<{ answer: Answer } | { result: CredentialCheckResult }> {
    return wecomCheckCall<Answer>(ctx, cfg.apiBaseUrl, { api, method: 'GET', query, ...this.advice(cfg) });
  }
}
