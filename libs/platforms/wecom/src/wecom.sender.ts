import { createHash } from 'node:crypto';
import { menuAsText, type OutgoingMessage, type RenderedPart } from '@imbridge/contracts';
import {
  PlatformError,
  type Recipient,
  type SendContext,
  type Sender,
  type SendResult,
  type UploadFile,
} from '@imbridge/platform-core';
import { readWecomConfig, type WecomConfig } from './wecom.descriptor';
import {
  callWecomWithToken,
  fetchWecomAccessToken,
  uploadWecomMediaFile,
  WECOM_UPLOAD_MAX_BYTES,
  WECOM_UPLOAD_MIN_BYTES,
  wecomAccessTokenKey,
  wecomUploadTooLarge,
  type WecomUploadType,
} from '@imbridge/platform-wecom-common';
import { mapWecomError } from './wecom-error.mapper';
import { markdownToPlainText, splitUtf8, truncateUtf8WithEllipsis } from './wecom-text';
import { renderWecomMessage } from './wecom.render';

interface WecomAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  msgid?: string;
  media_id?: string;
  [key: string]: unknown;
}

/** Token cache key: one token per (CorpID, Secret), shared with the kf lib (wecom-common). */
export function wecomTokenKey(cfg: WecomConfig): string {
  return wecomAccessTokenKey(cfg);
}

export function fetchWecomToken(ctx: Pick<SendContext, 'http'>, cfg: WecomConfig): Promise<{ token: string; expiresInSeconds: number }> {
  return fetchWecomAccessToken(ctx, cfg, mapWecomError);
}

/** message/send limits (bytes of UTF-8), doc 90236. */
export const WECOM_TEXT_MAX_BYTES = 2048;
export const WECOM_TITLE_MAX_BYTES = 128;
export const WECOM_DESCRIPTION_MAX_BYTES = 512;
export const WECOM_NEWS_MAX_ARTICLES = 8;
/**
 * duplicate_check_interval of every message we send (WeCom's default is 1800 s, its maximum 4 h):
 * longer than the outbox's retries of one message take (8 attempts, backoff capped at 10 min, plus
 * crash recovery), so a retry of a send whose outcome was unknown is dropped by WeCom if the first
 * one arrived.
 */
export const WECOM_DUPLICATE_CHECK_SECONDS = 3600;
/** Kept for the split-text behaviour without content claims (tools and tests). */
export const WECOM_SPLIT_DUPLICATE_CHECK_SECONDS = WECOM_DUPLICATE_CHECK_SECONDS;
/**
 * How many variants of one content we try (see WecomSender.dedupedSend): the Nth different message
 * with the same content to the same member within the interval gets N zero-width spaces appended.
 */
export const WECOM_MAX_CONTENT_VARIANTS = 8;
const VARIANT_MARK = '\u200b';
/** Upload size limits of media/upload (doc 90253), shared with the kf lib. */
export { WECOM_UPLOAD_MAX_BYTES, WECOM_UPLOAD_MIN_BYTES, type WecomUploadType };

/**
 * Calls a WeCom API with the shared access token; on a token error refreshes once (invalidating only
 * the token that failed) and retries the call once. `body` is built per attempt (a FormData for uploads).
 */
function callWithToken(
  ctx: SendContext,
  cfg: WecomConfig,
  api: string,
  query: Record<string, string>,
  makeRequest: () => { headers?: Record<string, string>; body: string | FormData },
): Promise<WecomAnswer> {
  return callWecomWithToken<WecomAnswer>(ctx, cfg, {
    api,
    query,
    label: 'WeCom',
    mapError: mapWecomError,
    makeRequest: () => {
      const { headers, body } = makeRequest();
      return { method: 'POST', ...(headers ? { headers } : {}), body };
    },
  });
}

/** POSTs `body` as JSON to a WeCom API, with token refresh-once-and-retry-once. */
export async function callWecomApi(ctx: SendContext, cfg: WecomConfig, api: string, body: unknown): Promise<WecomAnswer> {
  const json = JSON.stringify(body);
  return callWithToken(ctx, cfg, api, {}, () => ({ headers: { 'content-type': 'application/json' }, body: json }));
}

/**
 * `media/upload`: multipart/form-data with the file in the field `media` (with filename). Returns the
 * media_id (valid 3 days).
 */
export function uploadWecomMedia(
  ctx: SendContext,
  cfg: WecomConfig,
  type: WecomUploadType,
  file: { bytes: Buffer; fileName: string; contentType: string },
): Promise<string> {
  return uploadWecomMediaFile(ctx, cfg, type, file, { label: 'WeCom', mapError: mapWecomError });
}

const EXT_BY_TYPE: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
};

/** A file name for the upload: the message's, else the URL's last path segment, else `media.<ext>`. */
export function uploadFileName(url: string, contentType: string, given?: string): string {
  const clean = (s: string): string => s.replace(/[\\/\r\n"]/g, '_').slice(0, 128);
  if (given && given.trim() !== '') return clean(given.trim());
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    if (last !== '') return clean(last);
  } catch {
    // not decodable: fall through
  }
  return `media.${EXT_BY_TYPE[contentType.split(';')[0]?.trim().toLowerCase() ?? ''] ?? 'bin'}`;
}

/** Downloads a media URL through the context's (SSRF-guarded, rate-limited) client. */
async function download(ctx: SendContext, url: string, type: 'image' | 'file'): Promise<{ bytes: Buffer; contentType: string }> {
  const res = await ctx.http.request({ method: 'GET', url, timeoutMs: 30_000 });
  if (res.status !== 200) {
    // 5xx/429 may pass; anything else (404, 403) will not get better by retrying.
    const retryable = res.status >= 500 || res.status === 429;
    throw new PlatformError(retryable ? 'TEMPORARY' : 'INVALID', `downloading ${type} failed: HTTP ${res.status}`, { platformCode: `MEDIA_HTTP_${res.status}` });
  }
  const max = WECOM_UPLOAD_MAX_BYTES[type];
  if (res.body.length > max) {
    throw new PlatformError('INVALID', `${type} is ${res.body.length} bytes; WeCom accepts at most ${max}`, { platformCode: 'MEDIA_TOO_LARGE' });
  }
  const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream';
  return { bytes: res.body, contentType };
}

type MediaMessage = Extract<OutgoingMessage, { type: 'image' | 'file' }>;

/**
 * Sends app messages through `message/send`: text (split at 2048 bytes), markdown (as plain text,
 * split), image/file (uploaded from a URL when needed, re-uploaded once when the media_id expired),
 * textcard and news (titles/descriptions cut to their byte limits).
 */
export class WecomSender implements Sender {
  render(message: OutgoingMessage): RenderedPart[] {
    return renderWecomMessage(message);
  }

  /** media/upload (3-day media_id) for a file we hold, e.g. an image an agent uploaded. */
  upload(ctx: SendContext, file: UploadFile): Promise<string> {
    const tooLarge = wecomUploadTooLarge(file);
    if (tooLarge) return Promise.reject(tooLarge);
    return uploadWecomMedia(ctx, readWecomConfig(ctx.config), file.kind, file);
  }

  async send(ctx: SendContext, to: Recipient, message: OutgoingMessage): Promise<SendResult> {
    const cfg = readWecomConfig(ctx.config);
    if (to.kind !== 'user') throw new PlatformError('INVALID', 'WeCom app messages go to users', { platformCode: 'RECIPIENT' });
    const base = { touser: to.externalId, agentid: cfg.agentId };
    switch (message.type) {
      case 'text':
        return this.sendText(ctx, cfg, base, message.text);
      case 'menu':
        // App messages have no menus: the options go as text.
        return this.sendText(ctx, cfg, base, menuAsText(message));
      case 'markdown':
        // App markdown does not render for WeChat (微信插件) users or older clients: send readable text.
        return this.sendText(ctx, cfg, base, markdownToPlainText(message.markdown));
      case 'image':
      case 'file':
        return this.sendMedia(ctx, cfg, base, message);
      case 'textcard': {
        const btntxt = message.buttonText ? [...message.buttonText].slice(0, 4).join('') : undefined;
        const answer = await this.dedupedSend(ctx, cfg, {
          ...base,
          msgtype: 'textcard',
          textcard: {
            title: truncateUtf8WithEllipsis(message.title, WECOM_TITLE_MAX_BYTES),
            description: truncateUtf8WithEllipsis(message.description, WECOM_DESCRIPTION_MAX_BYTES),
            url: message.url,
            ...(btntxt ? { btntxt } : {}),
          },
        }, (body, n) => varyField(body, ['textcard', 'description'], n, WECOM_DESCRIPTION_MAX_BYTES));
        return one(answer);
      }
      case 'news': {
        if (message.articles.length === 0) throw new PlatformError('INVALID', 'news needs at least one article', { platformCode: 'NO_ARTICLES' });
        const answer = await this.dedupedSend(ctx, cfg, {
          ...base,
          msgtype: 'news',
          news: {
            articles: message.articles.slice(0, WECOM_NEWS_MAX_ARTICLES).map((a) => ({
              title: truncateUtf8WithEllipsis(a.title, WECOM_TITLE_MAX_BYTES),
              ...(a.description ? { description: truncateUtf8WithEllipsis(a.description, WECOM_DESCRIPTION_MAX_BYTES) } : {}),
              ...(a.url ? { url: a.url } : {}),
              ...(a.picUrl ? { picurl: a.picUrl } : {}),
            })),
          },
        }, (body, n) => varyNewsTitle(body, n));
        return one(answer);
      }
      default: {
        const type = (message as { type: string }).type;
        throw new PlatformError('INVALID', `WeCom sender cannot send '${type}'`, { platformCode: 'UNSUPPORTED_TYPE' });
      }
    }
  }

  /** Text in parts of ≤ 2048 bytes, in order, one message/send each. */
  private async sendText(ctx: SendContext, cfg: WecomConfig, base: Record<string, unknown>, text: string): Promise<SendResult> {
    const parts = splitUtf8(text, WECOM_TEXT_MAX_BYTES).filter((p) => p.trim() !== '');
    if (parts.length === 0) throw new PlatformError('INVALID', 'WeCom cannot send an empty text', { platformCode: 'EMPTY_TEXT' });
    // A split text that fails half-way is retried whole by the outbox; WeCom's duplicate check then
    // drops the parts the member already has (same content, same member, within the interval).
    const ids: string[] = [];
    for (const content of parts) {
      const body = { ...base, msgtype: 'text', text: { content } };
      const answer = ctx.claims
        ? await this.dedupedSend(ctx, cfg, body, (b, n) => varyField(b, ['text', 'content'], n, WECOM_TEXT_MAX_BYTES))
        : await callWecomApi(ctx, cfg, 'message/send', { ...body, ...(parts.length > 1 ? duplicateCheck() : { enable_duplicate_check: 0 }) });
      if (answer.msgid) ids.push(answer.msgid);
    }
    return { platformMessageIds: ids, parts: parts.length };
  }

  private async sendMedia(ctx: SendContext, cfg: WecomConfig, base: Record<string, unknown>, message: MediaMessage): Promise<SendResult> {
    const type = message.type;
    const fileName = message.type === 'file' ? message.fileName : undefined;
    const upload = async (url: string): Promise<string> => {
      const { bytes, contentType } = await download(ctx, url, type);
      return uploadWecomMedia(ctx, cfg, type, { bytes, contentType, fileName: uploadFileName(url, contentType, fileName) });
    };
    const sendWith = (mediaId: string): Promise<WecomAnswer> => this.dedupedSend(ctx, cfg, { ...base, msgtype: type, [type]: { media_id: mediaId } });

    let mediaId = message.mediaId;
    if (!mediaId) {
      if (!message.url) throw new PlatformError('INVALID', `${type} needs a mediaId or a url`, { platformCode: 'NO_MEDIA' });
      mediaId = await upload(message.url);
    }
    try {
      return one(await sendWith(mediaId));
    } catch (err) {
      // 40007: the media_id expired (3 days) or is unknown. With the source URL we upload it again, once.
      if (!(err instanceof PlatformError) || err.platformCode !== '40007' || !message.url) throw err;
      return one(await sendWith(await upload(message.url)));
    }
  }

  /**
   * message/send with WeCom's duplicate check, WeCom's only idempotency: within the interval it drops
   * a request whose JSON equals one it delivered. So every attempt of one message sends the same JSON
   * with the check on, and a retry after an unknown outcome (crash, timeout) cannot reach the member
   * twice. A *different* message of ours with the same content to the same member within the
   * interval (the same FAQ answer asked twice) would be dropped too: the content claims tell the two
   * apart, and the later message is varied invisibly (zero-width spaces, see `vary`). Content that
   * cannot vary (a media_id) then goes without the check — the one case where a retry may double.
   */
  private async dedupedSend(
    ctx: SendContext,
    cfg: WecomConfig,
    body: Record<string, unknown>,
    vary?: (body: Record<string, unknown>, n: number) => Record<string, unknown> | null,
  ): Promise<WecomAnswer> {
    if (!ctx.claims) return callWecomApi(ctx, cfg, 'message/send', { ...body, enable_duplicate_check: 0 });
    for (let n = 0; n <= WECOM_MAX_CONTENT_VARIANTS; n++) {
      const candidate = n === 0 ? body : vary?.(body, n);
      if (!candidate) break;
      if (await ctx.claims.claim(contentDigest(candidate), WECOM_DUPLICATE_CHECK_SECONDS)) {
        return callWecomApi(ctx, cfg, 'message/send', { ...candidate, ...duplicateCheck() });
      }
    }
    return callWecomApi(ctx, cfg, 'message/send', { ...body, enable_duplicate_check: 0 });
  }
}

function duplicateCheck(): { enable_duplicate_check: 1; duplicate_check_interval: number } {
  return { enable_duplicate_check: 1, duplicate_check_interval: WECOM_DUPLICATE_CHECK_SECONDS };
}

/** What WeCom compares (the request without the check's own fields), as a claim digest. */
export function contentDigest(body: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url');
}

/** `body` with n zero-width spaces appended to the string at `path`; null when it would exceed `maxBytes`. */
function varyField(body: Record<string, unknown>, path: [string, string], n: number, maxBytes: number): Record<string, unknown> | null {
  const inner = body[path[0]] as Record<string, unknown> | undefined;
  const value = inner?.[path[1]];
  if (typeof value !== 'string') return null;
  const varied = value + VARIANT_MARK.repeat(n);
  if (Buffer.byteLength(varied) > maxBytes) return null;
  return { ...body, [path[0]]: { ...inner, [path[1]]: varied } };
}

function varyNewsTitle(body: Record<string, unknown>, n: number): Record<string, unknown> | null {
  const news = body['news'] as { articles: Array<Record<string, unknown>> };
  const [first, ...rest] = news.articles;
  if (!first) return null;
  const varied = varyField({ a: first }, ['a', 'title'], n, WECOM_TITLE_MAX_BYTES);
  return varied ? { ...body, news: { articles: [varied['a'], ...rest] } } : null;
}

function one(answer: WecomAnswer): SendResult {
  return { platformMessageIds: answer.msgid ? [answer.msgid] : [], parts: 1 };
}
