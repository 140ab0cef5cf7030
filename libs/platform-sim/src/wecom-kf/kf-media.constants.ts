import type { WecomAddMediaOptions } from '../wecom/wecom-sim.types';

/**
 * Small, deterministic media the simulated customer "sends" (image, voice, video, file and the
 * miniprogram thumbnail). They are stored in the WeCom sim, so the gateway downloads them with
 * `GET /cgi-bin/media/get?access_token=&media_id=` and the corp's token, like real kf media.
 */

/** A valid 1×1 PNG. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** AMR magic plus one 12.2 kbit/s frame (header 0x3C, 31 zero bytes). sync_msg's default voice_format is AMR. */
const AMR = Buffer.concat([Buffer.from('#!AMR\n', 'latin1'), Buffer.from([0x3c]), Buffer.alloc(31, 0)]);

/** An MP4 `ftyp` box (isom / mp41): enough for content sniffers. */
const MP4 = Buffer.concat([
  Buffer.from([0x00, 0x00, 0x00, 0x18]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0x00, 0x00, 0x02, 0x00]),
  Buffer.from('isommp41', 'latin1'),
]);

const PDF = Buffer.from('%PDF-1.4\n%imbridge platform-sim\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');

export const KF_SIM_IMAGE: WecomAddMediaOptions = { bytes: PNG_1X1, contentType: 'image/png', fileName: 'image.png', type: 'image' };
export const KF_SIM_THUMB: WecomAddMediaOptions = { bytes: PNG_1X1, contentType: 'image/png', fileName: 'thumb.png', type: 'image' };
export const KF_SIM_VOICE: WecomAddMediaOptions = { bytes: AMR, contentType: 'audio/amr', fileName: 'voice.amr', type: 'voice' };
export const KF_SIM_VIDEO: WecomAddMediaOptions = { bytes: MP4, contentType: 'video/mp4', fileName: 'video.mp4', type: 'video' };
export const KF_SIM_FILE_NAME = 'document.pdf';

const FILE_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};

/** A file the customer sends: PDF bytes for `.pdf`, otherwise a line of text naming the file. */
export function kfSimFile(fileName: string = KF_SIM_FILE_NAME): WecomAddMediaOptions {
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const contentType = FILE_TYPES[ext] ?? 'application/octet-stream';
  const bytes = ext === 'pdf' ? PDF : Buffer.from(`imbridge platform-sim file ${fileName}\n`, 'utf8');
  return { bytes, contentType, fileName, type: 'file' };
}
