import { PlatformError, type DownloadedMediaFile, type MediaDownloadContext, type MediaDownloader, type SendContext } from '@imbridge/platform-core';
import { mapMpError, MP_TOKEN_ERRCODES } from './mp-error.mapper';
import { fetchMpStableToken, mpAccessTokenKey } from './mp-token';
import { readMpConfig, type MpConfig } from './mp.descriptor';

/** `media_id` unknown or past its 3 days: the file is gone for good. */
export const MP_MEDIA_EXPIRED_ERRCODE = 40007;

/**
 * The default size cap of one downloaded media file. WeChat's temporary media are at most 10 MB
 * (image, video) and 2 MB (voice); 16 MB leaves slack for a limit that grows, then we refuse.
 */
export const MP_MEDIA_MAX_BYTES = 16 * 1024 * 1024;

export interface MpDownloadedMedia {
  bytes: Buffer;
  /** As WeChat said it (may be absent or generic). */
  contentType: string | null;
  /** From WeChat's Content-Disposition; untrusted, never a path. */
  fileName: string | null;
}

export interface MpMediaDownloadOptions {
  timeoutMs?: number;
  /** Larger files are refused (PlatformError INVALID, platformCode TOO_LARGE, not retryable). */
  maxBytes?: number;
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*` wins over `filename`). */
export function mpContentDispositionFileName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim()) || null;
    } catch {
      // a broken percent-encoding: fall back to the plain form
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? '').trim();
  return name || null;
}

function tooLarge(size: number, maxBytes: number): PlatformError {
  return new PlatformError('INVALID', `WeChat MP media/get: the file has ${size} bytes, more than the limit of ${maxBytes}`, { platformCode: 'TOO_LARGE', retryable: false });
}

/**
 * Downloads an inbound media file (image, voice, video, shortvideo) by its MediaId:
 * `GET {apiBaseUrl}/cgi-bin/media/get?access_token&media_id` (临时素材, kept 3 days by WeChat).
 * WeChat answers the bytes (with a Content-Disposition file name), or JSON `{errcode, errmsg}`; a
 * token errcode drops only the failed token and retries once, 40007 (expired or unknown media_id) is
 * final.
 *
 * No token leaves for a third-party host: the access token only ever goes to `cfg.apiBaseUrl`. An
 * image message's `PicUrl` (a CDN URL anyone may host) is never requested by this function — media are
 * fetched by MediaId only. A redirect is never followed with the token: the gateway's HTTP client
 * refuses redirects (`redirect: 'error'`, a network error), and a client that returns a 3xx as is gets
 * a final error here, without a second request.
 *
 * A video's media/get answers JSON `{video_url}` (WeChat's own download URL, no token needed): it is
 * fetched without any token, and only over http(s).
 *
 * Size cap: a Content-Length above `maxBytes` is refused before the body is used, and the bytes are
 * counted again after. (HttpClient hands out whole bodies: it cannot stop reading at the cap; the
 * download's timeout bounds what a lying server can send.)
 */
export async function downloadMpMedia(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: Pick<MpConfig, 'appId' | 'appSecret' | 'apiBaseUrl'>,
  mediaId: string,
  opts: MpMediaDownloadOptions = {},
): Promise<MpDownloadedMedia> {
  if (mediaId === '') throw new PlatformError('INVALID', 'WeChat MP media/get: empty media_id', { platformCode: 'NO_MEDIA_ID', retryable: false });
  const maxBytes = opts.maxBytes ?? MP_MEDIA_MAX_BYTES;
  const key = mpAccessTokenKey(cfg);
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.tokens.get(key, () => fetchMpStableToken(ctx, cfg));
    const res = await ctx.http.request({
      method: 'GET',
      url: `${cfg.apiBaseUrl}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${encodeURIComponent(mediaId)}`,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
    if (res.status >= 300 && res.status < 400) {
      // Never follow: the Location may be any host, and a retry there would be ours to make with the token.
      throw new PlatformError('INVALID', `WeChat MP media/get: HTTP ${res.status} redirect refused (the access token is only sent to the API base URL)`, {
        platformCode: `HTTP_${res.status}`,
        retryable: false,
      });
    }
    if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeChat MP media/get: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
    if (res.body.length > maxBytes) throw tooLarge(res.body.length, maxBytes);
    const contentType = res.headers.get('content-type');
    const disposition = res.headers.get('content-disposition');
    // Errors come as JSON (application/json, or text/plain on some gateways), never with a file name.
    const looksLikeError = !disposition && (/json|text\/plain/i.test(contentType ?? '') || res.body.subarray(0, 1).toString() === '{');
    if (looksLikeError) {
      let answer: unknown;
      try {
        answer = JSON.parse(res.body.toString('utf8'));
      } catch {
        answer = undefined;
      }
      if (answer && typeof answer === 'object' && typeof (answer as { errcode?: unknown }).errcode === 'number') {
        const { errcode, errmsg } = answer as { errcode: number; errmsg?: string };
        if (errcode === 0) throw new PlatformError('TEMPORARY', 'WeChat MP media/get: no file in the answer', { platformCode: 'EMPTY' });
        if (MP_TOKEN_ERRCODES.has(errcode) && attempt === 0) {
          await ctx.tokens.invalidate(key, token);
          continue;
        }
        if (errcode === MP_MEDIA_EXPIRED_ERRCODE) {
          throw new PlatformError('INVALID', `WeChat MP media/get: ${errcode} ${errmsg ?? ''} (media expired or unknown)`.trim(), { platformCode: errcode, retryable: false });
        }
        throw mapMpError(errcode, errmsg ?? '', 'media/get');
      }
      const videoUrl = answer && typeof answer === 'object' ? (answer as { video_url?: unknown }).video_url : undefined;
      if (typeof videoUrl === 'string') return downloadMpVideoUrl(ctx, videoUrl, token, maxBytes, opts.timeoutMs);
    }
    if (res.body.length === 0) throw new PlatformError('TEMPORARY', 'WeChat MP media/get: empty file', { platformCode: 'EMPTY' });
    return { bytes: res.body, contentType, fileName: mpContentDispositionFileName(disposition) };
  }
}

/** The second step of a video download: the `video_url` WeChat named, fetched without the token. */
async function downloadMpVideoUrl(
  ctx: Pick<SendContext, 'http'>,
  videoUrl: string,
  token: string,
  maxBytes: number,
  timeoutMs: number | undefined,
): Promise<MpDownloadedMedia> {
  let url: URL;
  try {
    url = new URL(videoUrl);
  } catch {
    throw new PlatformError('INVALID', 'WeChat MP media/get: video_url is not a URL', { platformCode: 'BAD_VIDEO_URL', retryable: false });
  }
  // Refuse rather than send anything that carries our token to a host we did not choose.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || videoUrl.includes(token) || url.searchParams.has('access_token')) {
    throw new PlatformError('INVALID', 'WeChat MP media/get: video_url refused (not http(s), or it carries an access token)', { platformCode: 'BAD_VIDEO_URL', retryable: false });
  }
  const res = await ctx.http.request({ method: 'GET', url: url.toString(), timeoutMs: timeoutMs ?? 60_000 });
  if (res.status >= 300 && res.status < 400) throw new PlatformError('INVALID', `WeChat MP video download: HTTP ${res.status} redirect refused`, { platformCode: `HTTP_${res.status}`, retryable: false });
  if (res.status !== 200) throw new PlatformError('TEMPORARY', `WeChat MP video download: HTTP ${res.status}`, { platformCode: `HTTP_${res.status}` });
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (res.body.length > maxBytes) throw tooLarge(res.body.length, maxBytes);
  if (res.body.length === 0) throw new PlatformError('TEMPORARY', 'WeChat MP video download: empty file', { platformCode: 'EMPTY' });
  return { bytes: res.body, contentType: res.headers.get('content-type'), fileName: mpContentDispositionFileName(res.headers.get('content-disposition')) };
}

/**
 * Capability 'media-download' of 公众号: by MediaId only, the token going to the account's apiBaseUrl
 * alone; an image's PicUrl (a third-party CDN URL) is never fetched. Larger than WeChat's media limits
 * (or the gateway's cap, whichever is smaller): refused.
 */
export class MpMediaDownloader implements MediaDownloader {
  download(ctx: MediaDownloadContext, mediaId: string): Promise<DownloadedMediaFile> {
    return downloadMpMedia(ctx, readMpConfig(ctx.config), mediaId, { maxBytes: Math.min(MP_MEDIA_MAX_BYTES, ctx.maxBytes) });
  }
}
