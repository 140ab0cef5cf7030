/** One part of a multipart/form-data body. */
export interface MultipartPart {
  /** Lower-cased header names. */
  headers: Record<string, string>;
  name?: string;
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

/** The boundary of a `multipart/form-data; boundary=...` Content-Type; undefined if absent. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Reads `name="x"`, `name=x` or RFC 5987 `name*=UTF-8''x` from a header value. */
function headerParam(header: string, param: string): string | undefined {
  const extended = new RegExp(`(?:^|;)\\s*${param}\\*\\s*=\\s*([^']*)'[^']*'([^;]*)`, 'i').exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const quoted = new RegExp(`(?:^|;)\\s*${param}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1');
  const bare = new RegExp(`(?:^|;)\\s*${param}\\s*=\\s*([^;\\s]+)`, 'i').exec(header);
  return bare ? bare[1] : undefined;
}

/**
 * Minimal multipart/form-data parser (boundary split), enough for media uploads from
 * fetch/FormData, form-data, curl and the WeCom doc's hand-written example
 * (`name="media";filename="wework.txt"; filelength=6`). Returns undefined when the body is not
 * well-formed multipart for `boundary`.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    let start = pos + delimiter.length;
    // Closing delimiter `--boundary--`.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) return parts;
    // Skip transport padding and the CRLF after the delimiter.
    while (body[start] === 0x20 || body[start] === 0x09) start++;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    else if (body[start] === 0x0a) start += 1;
    else return undefined;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start);
    if (next < 0) return undefined;
    const raw = body.subarray(start, next);
    let headerEnd = raw.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (headerEnd < 0) {
      headerEnd = raw.indexOf('\n\n');
      sepLen = 2;
    }
    if (headerEnd < 0) return undefined;
    const headers: Record<string, string> = {};
    for (const line of raw.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers['content-disposition'] ?? '';
    parts.push({
      headers,
      name: headerParam(disposition, 'name'),
      fileName: headerParam(disposition, 'filename'),
      contentType: headers['content-type'],
      data: Buffer.from(raw.subarray(headerEnd + sepLen)),
    });
    pos = next + 2;
  }
}
