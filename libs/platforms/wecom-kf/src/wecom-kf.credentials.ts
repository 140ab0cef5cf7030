import type { CredentialCheckResult, CredentialVerifier } from '@imbridge/platform-core';
import { ipFromWecomErrmsg, WECOM_WRONG_CORP_ID_ADVICE, wecomCheckCall, wecomStartCredentialCheck, wecomUnknownErrorAdvice } from '@imbridge/platform-wecom-common';
import type { WecomVerifyContext as VerifyContext } from '@imbridge/platform-wecom-common';
import { readWecomKfConfig, type WecomKfConfig } from './wecom-kf.descriptor';

type Advice = { zh: string; en: string };

interface Answer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  account_list?: { open_kfid?: string; name?: string }[];
}

/** The caller's IP as WeCom reports it in a 60020 errmsg ("..., from ip: 1.2.3.4, more info ..."). */
export const ipFromKfErrmsg = ipFromWecomErrmsg;

/** Advice, zh + en, for an errcode of gettoken / kf/account/list. */
export function wecomKfCredentialAdvice(errcode: number, errmsg: string): Advice {
  switch (errcode) {
    case 40013:
      return { ...WECOM_WRONG_CORP_ID_ADVICE };
    case 40001:
      return {
        zh: 'Secret 错误：请填写在「微信客服 → API → 可调用接口的应用」中所选自建应用的 Secret；重置 Secret 后旧值立即失效。',
        en: 'The Secret is wrong: use the Secret of the self-built app chosen under WeChat Customer Service → API → apps allowed to call the API; resetting it invalidates the old one at once.',
      };
    case 60020: {
      const ip = ipFromWecomErrmsg(errmsg);
      return {
        zh: `本服务器的出口 IP${ip ? ` ${ip}` : ''} 不在该应用的「企业可信IP」中：请在应用详情页添加。`,
        en: `This server's egress IP${ip ? ` ${ip}` : ''} is not a trusted IP (企业可信IP) of the app: add it on the app's page.`,
      };
    }
    case 48002:
    case 48001:
    case 95017:
      return {
        zh: `该应用无权调用微信客服接口（${errcode}）：请在「微信客服 → API」中把此应用设为「可调用接口的应用」；2023-12-01 后创建的企业不能使用微信客服系统应用的 Secret。`,
        en: `This app may not call the kf API (${errcode}): select it under WeChat Customer Service → API → apps allowed to call the API; corps created after 2023-12-01 cannot use the kf system-app Secret.`,
      };
    case 45009:
      return { zh: '接口调用频率超限：请稍后再试。', en: 'API rate limit reached: try again later.' };
    default:
      return wecomUnknownErrorAdvice(errcode, errmsg);
  }
}

/**
 * "Test connection": a fresh `gettoken` (never the cached token, which may predate a Secret change),
 * then `kf/account/list` to show which kf accounts this Secret can see. Every failure comes back
 * with advice in Chinese and English; nothing is thrown for platform answers.
 */
export class WecomKfCredentialVerifier implements CredentialVerifier {
  async verify(ctx: VerifyContext): Promise<CredentialCheckResult> {
    const start = await wecomStartCredentialCheck(
      ctx,
      readWecomKfConfig,
      { zh: '配置不完整：请填写企业ID 和 Secret。', en: 'The configuration is incomplete: fill in Corp ID and Secret.' },
      () => ({ advise: wecomKfCredentialAdvice }),
    );
    if ('result' in start) return start.result;
    const { cfg, accessToken } = start;
    const list = await this.call(ctx, cfg, 'kf/account/list', {
      method: 'POST',
      query: `access_token=${encodeURIComponent(accessToken)}`,
      body: JSON.stringify({ offset: 0, limit: 100 }),
    });
    if ('result' in list) return list.result;
    const accounts = (list.answer.account_list ?? []).filter((a) => typeof a?.open_kfid === 'string');
    if (accounts.length === 0) {
      return {
        ok: true,
        message: 'No kf account is visible to this Secret',
        advice: {
          zh: '连接正常，但此应用看不到任何客服账号：请在「微信客服 → 客服账号」中创建账号，或在账号设置中允许此应用管理。',
          en: 'Connected, but this app sees no kf account: create one under WeChat Customer Service → Accounts, or let this app manage it in the account settings.',
        },
      };
    }
    const names = accounts.map((a) => `${a.name ?? ''} (${a.open_kfid ?? ''})`).join(', ');
    return { ok: true, message: `${accounts.length} kf account(s): ${names}`.slice(0, 1000) };
  }

  private call(
    ctx: VerifyContext,
    cfg: WecomKfConfig,
    api: string,
    req: { method: 'GET' | 'POST'; query: string; body?: string },
  ): Promise<{ answer: Answer } | { result: CredentialCheckResult }> {
    return wecomCheckCall<Answer>(ctx, cfg.apiBaseUrl, { api, ...req, advise: wecomKfCredentialAdvice });
  }
}
