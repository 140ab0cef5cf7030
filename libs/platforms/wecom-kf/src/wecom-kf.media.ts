import type { DownloadedMediaFile, MediaDownloadContext, MediaDownloader } from '@imbridge/platform-core';
import { downloadWecomMediaFile } from '@imbridge/platform-wecom-common';
import { mapWecomKfError } from './wecom-kf-error.mapper';
import { readWecomKfConfig } from './wecom-kf.descriptor';

/**
 * Capability 'media-download' of 微信客服: kf media ids belong to the kf app, so the file comes from the
 * same WeCom `media/get`, with that app's (shared) token and this lib's errcode mapping. The gateway's
 * `maxBytes` is checked by the caller once the bytes are in.
 */
export class WecomKfMediaDownloader implements MediaDownloader {
  download(ctx: MediaDownloadContext, mediaId: string): Promise<DownloadedMediaFile> {
    return downloadWecomMediaFile(ctx, readWecomKfConfig(ctx.config), mediaId, mapWecomKfError);
  }
}
