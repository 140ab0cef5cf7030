import type { SendContext } from './sender';

/** A file the platform handed us for an inbound message's media id. */
export interface DownloadedMediaFile {
  bytes: Buffer;
  /** As the platform said it (may be absent or generic). */
  contentType: string | null;
  /** From the platform's Content-Disposition; untrusted, never a path. */
  fileName: string | null;
}

export interface MediaDownloadContext extends Pick<SendContext, 'http' | 'tokens' | 'config'> {
  /** The gateway's own cap; an implementation may refuse earlier (its platform's limit). */
  maxBytes: number;
}

/**
 * Capability 'media-download': fetches the file behind an inbound message's `media.mediaId` (images,
 * voice, video, files). Throws PlatformError: retryable for temporary failures, not for expired ids.
 */
export interface MediaDownloader {
  download(ctx: MediaDownloadContext, mediaId: string): Promise<DownloadedMediaFile>;
}
