import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Give up (and drop the connection, like the platforms do) after this long. */
  timeoutMs: number;
}

/** Outcome of one outbound request. `status` is 0 when no HTTP answer arrived (`error` says why). */
export interface OutboundResult {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
  durationMs: number;
  error?: string;
}

/**
 * Sends one request on a fresh connection (no keep-alive: every delivery is a new connection,
 * as when a platform re-delivers after dropping a slow one). Never rejects.
 */
export function sendOutbound(req: OutboundRequest): Promise<OutboundResult> {
  const started = Date.now();
  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<OutboundResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: Date.now() - started });
    };
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      finish({ status: 0, body: '', headers: {}, error: 'invalid URL' });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const outgoing = send(url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', (err) => finish({ status: 0, body: '', headers: {}, error: err.message }));
    });
    const timer = setTimeout(() => {
      finish({ status: 0, body: '', headers: {}, error: `timeout after ${req.timeoutMs} ms` });
      outgoing.destroy();
    }, req.timeoutMs);
    outgoing.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, body: '', headers: {}, error: err.code ?? err.message }));
    outgoing.end(req.body);
  });
}
