import type { DownloadedMediaFile, MediaDownloadContext, MediaDownloader, SendContext } from '@imbridge/platform-core';
import { downloadWecomMediaFile, type DownloadedMedia } from '@imbridge/platform-wecom-common';
import { readWecomConfig, type WecomConfig } from './wecom.descriptor';
import { mapWecomError } from './wecom-error.mapper';

// The download itself lives in wecom-common (微信客服 media uses the same media/get); re-exported here
// so this lib's public API stays as it was.
export { contentDispositionFileName, WECOM_MEDIA_EXPIRED_ERRCODE, type DownloadedMedia } from '@imbridge/platform-wecom-common';

/**
 * Downloads a temporary media file (`GET /cgi-bin/media/get`). WeCom answers the bytes, or JSON with
 * an errcode; a token error refreshes the shared token once and retries once. 40007 (expired or
 * unknown media_id) is final, never retried.
 */
export function downloadWecomMedia(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: WecomConfig,
  mediaId: string,
  opts: { timeoutMs?: number } = {},
): Promise<DownloadedMedia> {
  return downloadWecomMediaFile(ctx, cfg, mediaId, mapWecomError, opts);
}

/**
 * Capability 'media-download' of a WeCom app: an inbound message's media id, fetched with the app's
 * token. WeCom's own largest file is 20 MB; the gateway's `maxBytes` is checked by the caller.
 */
export class WecomMediaDownloader implements MediaDownloader {
  download(ctx: MediaDownloadContext, mediaId: string): Promise<DownloadedMediaFile> {
    return downloadWecomMedia(ctx, readWecomConfig(ctx.config), mediaId);
  }
}
