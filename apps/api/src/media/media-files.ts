/** Pure helpers of the media store: names, types and headers (unit-tested). */

export const MEDIA_QUEUE = 'media';

export interface MediaJob {
  mediaFileId: string;
}

/** Types a browser may show inline; everything else (SVG, HTML, PDF, octet-stream …) is a download. */
const INLINE = /^(image\/(png|jpeg|gif|webp|bmp)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/;
const MIME = /^[a-z]+\/[a-z0-9.+-]{1,100}$/;

const EXT_OF: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};
const TYPE_OF_EXT: Record<string, string> = Object.fromEntries(Object.entries(EXT_OF).map(([t, e]) => [e, t]));
TYPE_OF_EXT['jpeg'] = 'image/jpeg';

/** The platform's Content-Type reduced to `type/subtype`, or null when absent or odd. */
export function normalizeContentType(raw: string | null | undefined): string | null {
  const t = (raw ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return MIME.test(t) ? t : null;
}

/** Recognizes the few formats the platforms send, from their first bytes. */
export function sniffContentType(bytes: Buffer): string | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.length >= 6 && bytes.subarray(0, 6).toString('latin1') === '#!AMR\n') return 'audio/amr';
  if (bytes.length >= 8 && bytes.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

/** A display name that is only a name: no directories, no control characters, at most 200 characters. */
export function safeFileName(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').replace(/^\.+/, '').trim();
  if (!clean) return null;
  return [...clean].slice(0, 200).join('');
}

/** The content type to record: the platform's if specific, else sniffed, else from the name, else by message type. */
export function chooseContentType(platformType: string | null, bytes: Buffer, fileName: string | null, messageType: string): string {
  const given = normalizeContentType(platformType);
  if (given && given !== 'application/octet-stream' && given !== 'binary/octet-stream') return given;
  const sniffed = sniffContentType(bytes);
  if (sniffed) return sniffed;
  const ext = fileName && fileName.includes('.') ? (fileName.split('.').pop() ?? '').toLowerCase() : '';
  const byName = TYPE_OF_EXT[ext];
  if (byName) return byName;
  if (messageType === 'voice') return 'audio/amr';
  if (messageType === 'video') return 'video/mp4';
  return 'application/octet-stream';
}

export function defaultFileName(messageType: string, id: string, contentType: string): string {
  const ext = EXT_OF[contentType] ?? 'bin';
  return `${messageType || 'file'}-${id.slice(0, 8)}.${ext}`;
}

export function isInlineType(contentType: string): boolean {
  return INLINE.test(contentType);
}

/** `inline` only for images, audio and video; both the ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(contentType: string, fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 200) || 'file';
  const utf8 = encodeURIComponent(fileName).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${isInlineType(contentType) ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/** Content-addressed location, relative to the media directory: `ab/abcdef…`. */
export function storedPathOf(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256 hex digest');
  return `${sha256.slice(0, 2)}/${sha256}`;
}
