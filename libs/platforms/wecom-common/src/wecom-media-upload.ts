import { PlatformError, type SendContext, type UploadFile } from '@imbridge/platform-core';
import { callWecomWithToken, type WecomApiAnswer, type WecomErrorMapper, type WecomTokenConfig } from './wecom-token';

/** Upload size limits of media/upload (doc 90253); every file must be > 5 bytes. */
export const WECOM_UPLOAD_MAX_BYTES = { image: 10 * 1024 * 1024, file: 20 * 1024 * 1024 } as const;
export const WECOM_UPLOAD_MIN_BYTES = 6;

export type WecomUploadType = 'image' | 'voice' | 'video' | 'file';

/** The upload's size refusal for a file we hold, checked before any call; undefined when it fits. */
export function wecomUploadTooLarge(file: Pick<UploadFile, 'kind' | 'bytes'>): PlatformError | undefined {
  const max = WECOM_UPLOAD_MAX_BYTES[file.kind];
  if (file.bytes.length <= max) return undefined;
  return new PlatformError('INVALID', `${file.kind} is ${file.bytes.length} bytes; WeCom accepts at most ${max}`, { platformCode: 'MEDIA_TOO_LARGE' });
}

/**
 * `media/upload`: multipart/form-data with the file in the field `media` (with filename), through the
 * shared token (refresh once). Returns the media_id (valid 3 days).
 */
export async function uploadWecomMediaFile(
  ctx: Pick<SendContext, 'http' | 'tokens'>,
  cfg: WecomTokenConfig,
  type: WecomUploadType,
  file: { bytes: Buffer; fileName: string; contentType: string },
  errors: { label: string; mapError: WecomErrorMapper },
): Promise<string> {
  if (file.bytes.length < WECOM_UPLOAD_MIN_BYTES) {
    throw new PlatformError('INVALID', `WeCom media/upload: a file must be larger than 5 bytes (got ${file.bytes.length})`, { platformCode: 'MEDIA_TOO_SMALL' });
  }
  const answer = await callWecomWithToken<WecomApiAnswer>(ctx, cfg, {
    api: 'media/upload',
    query: { type },
    ...errors,
    makeRequest: () => {
      const form = new FormData();
      // A copy into a plain ArrayBuffer: Blob wants BlobParts, and a pooled Buffer may share memory.
      const bytes = new Uint8Array(file.bytes.length);
      bytes.set(file.bytes);
      form.append('media', new Blob([bytes], { type: file.contentType }), file.fileName);
      return { method: 'POST', body: form };
    },
  });
  const mediaId = answer['media_id'];
  if (typeof mediaId !== 'string' || mediaId === '') {
    throw new PlatformError('TEMPORARY', 'WeCom media/upload: answer without media_id', { platformCode: 'NO_MEDIA_ID' });
  }
  return mediaId;
}
