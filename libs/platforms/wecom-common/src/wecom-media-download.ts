import { PlatformError, type SendContext } from '@imbridge/platform-core';
import { WECOM_TOKEN_ERRCODES } from './wecom-errors';
import { fetchWecomAccessToken, wecomAccessTokenKey, type WecomErrorMapper, type WecomTokenConfig } from './wecom-token';

/** `media_id` unknown or past its 3 days: the file is gone for good. */
export const WECOM_MEDIA_EXPIRED_ERRCODE = 40007;

export interface DownloadedMedia {
  bytes: Buffer;
  /** As the platform said it (may be absent or generic). */
  contentType: string | null;
  /** From the platform's Content-Disposition; untrusted, never a path. */
  fileName: string | null;
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*` wins over `filename`). */
export function contentDispositionFileName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? '').trim();
  return name || null;
}

/**
 * Downloads a temporary media file (`GET /cgi-bin/media/get`) with the shared access token of
 * (CorpID, Secret) — the same call for a WeCom app's inbound media and for 微信客服 (kf) media, whose
 * media_id belongs to the kf app. WeCom answers the bytes, or JSON with an errcode; a token error
 * refreshes the token once and retries once. 40007 (expired or unknown media_id) is final, never
 * retried. `mapError` is the calling lib's errcode mapper.
 */
export async function downloadWecomMediaFile(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: WecomTokenConfig,
  mediaId: string,
  mapError: WecomErrorMapper,
  opts: { timeoutMs?: number } = {},
): Promise<DownloadedMedia> {
  const key = wecomAccessTokenKey(cfg);
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.tokens.get(key, () => fetchWecomAccessToken(ctx, cfg, mapError));
    const res = await ctx.http.request({
      method: 'GET',
      url: `${cfg.apiBaseUrl}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${encodeURIComponent(mediaId)}`,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
    if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeCom media/get: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
    const contentType = res.headers.get('content-type');
    const disposition = res.headers.get('content-disposition');
    // Errors come as JSON (application/json, or text/plain on some gateways) and never with a file name.
    const looksLikeError = !disposition && (/json|text\/plain/i.test(contentType ?? '') || res.body.subarray(0, 1).toString() === '{');
    if (looksLikeError) {
      let answer: { errcode?: number; errmsg?: string } | undefined;
      try {
        answer = JSON.parse(res.body.toString('utf8')) as { errcode?: number; errmsg?: string };
      } catch {
        answer = undefined;
      }
      if (answer && typeof answer === 'object' && typeof answer.errcode === 'number') {
        const errcode = answer.errcode;
        if (errcode === 0) throw new PlatformError('TEMPORARY', 'WeCom media/get: no file in the answer', { platformCode: 'EMPTY' });
        if (WECOM_TOKEN_ERRCODES.has(errcode) && attempt === 0) {
          await ctx.tokens.invalidate(key, token);
          continue;
        }
        if (errcode === WECOM_MEDIA_EXPIRED_ERRCODE) {
          throw new PlatformError('INVALID', `WeCom media/get: ${errcode} ${answer.errmsg ?? ''} (media expired or unknown)`.trim(), { platformCode: errcode, retryable: false });
        }
        throw mapError(errcode, answer.errmsg ?? '', 'media/get');
      }
    }
    return { bytes: res.body, contentType, fileName: contentDispositionFileName(disposition) };
  }
}
