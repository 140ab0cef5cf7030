import { createHash } from 'node:crypto';
import type { OutgoingMessage } from '@imbridge/contracts';
import {
  PlatformError,
  type Recipient,
  type SendContext,
  type Sender,
  type SendResult,
} from '@imbridge/platform-core';
import { readWecomConfig, type WecomConfig } from './wecom.descriptor';
import { mapWecomError, WECOM_TOKEN_ERRCODES } from './wecom-error.mapper';

interface WecomAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  msgid?: string;
}

/** Token cache key: one token per (CorpID, Secret); the secret itself never leaves this process. */
export function wecomTokenKey(cfg: WecomConfig): string {
  const secretId = createHash('sha256').update(cfg.secret).digest('hex').slice(0, 16);
  return `wecom:${cfg.corpId}:${secretId}`;
}

export async function fetchWecomToken(ctx: Pick<SendContext, 'http'>, cfg: WecomConfig): Promise<{ token: string; expiresInSeconds: number }> {
  const url = `${cfg.apiBaseUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(cfg.corpId)}&corpsecret=${encodeURIComponent(cfg.secret)}`;
  const res = await ctx.http.request({ method: 'GET', url });
  if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeCom gettoken: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
  const body = res.json<WecomAnswer>();
  if (body.errcode === 0 && body.access_token) {
    return { token: body.access_token, expiresInSeconds: body.expires_in ?? 7200 };
  }
  // 40001 on gettoken is a wrong secret: a config problem, never a token refresh.
  const err = mapWecomError(body.errcode ?? -1, body.errmsg ?? 'no errcode', 'gettoken');
  throw err.code === 'AUTH_EXPIRED' ? new PlatformError('CONFIG', err.message, { platformCode: err.platformCode }) : err;
}

/**
 * Calls a WeCom API with the shared access token; on a token error refreshes once (invalidating only
 * the token that failed) and retries the call once.
 */
export async function callWecomApi(ctx: SendContext, cfg: WecomConfig, api: string, body: unknown): Promise<WecomAnswer> {
  const key = wecomTokenKey(cfg);
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.tokens.get(key, () => fetchWecomToken(ctx, cfg));
    const res = await ctx.http.request({
      method: 'POST',
      url: `${cfg.apiBaseUrl}/cgi-bin/${api}?access_token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeCom ${api}: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
    const answer = res.json<WecomAnswer>();
    const errcode = answer.errcode ?? -1;
    if (errcode === 0) return answer;
    if (WECOM_TOKEN_ERRCODES.has(errcode) && attempt === 0) {
      await ctx.tokens.invalidate(key, token);
      continue;
    }
    throw mapWecomError(errcode, answer.errmsg ?? '', api);
  }
}

/** Sends app messages through `message/send` (text for now; more types arrive with the WeCom issue). */
export class WecomSender implements Sender {
  async send(ctx: SendContext, to: Recipient, message: OutgoingMessage): Promise<SendResult> {
    const cfg = readWecomConfig(ctx.config);
    if (to.kind !== 'user') throw new PlatformError('INVALID', 'WeCom app messages go to users', { platformCode: 'RECIPIENT' });
    if (message.type !== 'text') {
      throw new PlatformError('INVALID', `WeCom sender cannot send '${message.type}' yet`, { platformCode: 'UNSUPPORTED_TYPE' });
    }
    const answer = await callWecomApi(ctx, cfg, 'message/send', {
      touser: to.externalId,
      msgtype: 'text',
      agentid: cfg.agentId,
      text: { content: message.text },
      enable_duplicate_check: 0,
    });
    return { platformMessageIds: answer.msgid ? [answer.msgid] : [], parts: 1 };
  }
}
