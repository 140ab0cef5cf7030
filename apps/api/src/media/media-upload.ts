import type { OutgoingMessage } from '@imbridge/contracts';

/** Images an agent may upload to send: the three every platform takes. */
export const UPLOAD_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif'] as const;
export const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
/** An agent's upload (media_files.uploaded_by set), as opposed to inbound media. */
export const isUpload = (file: { uploadedBy: string | null }): boolean => file.uploadedBy !== null;

/** An outgoing image that references a file we store (an agent's upload), not a platform media id. */
export function storedImagePayload(mediaFileId: string): OutgoingMessage {
  return { type: 'image', mediaFileId };
}

/** The media_files id of an image payload that still needs uploading, else null. */
export function storedImageFileId(payload: OutgoingMessage): string | null {
  if (payload.type !== 'image' || payload.mediaId || payload.url) return null;
  return payload.mediaFileId ?? null;
}
