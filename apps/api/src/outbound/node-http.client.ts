import http from 'node:http';
import https from 'node:https';
import { FetchHttpClient, type HttpClient, type HttpRequest, type HttpResponse, PlatformError } from '@imbridge/platform-core';

/** Statuses fetch's `redirect: 'error'` refuses: a platform API that redirects is not followed. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Kept-alive connections per platform host; an idle one is closed after 4 s (before a server's own
 * keep-alive timeout would close it under a request), as undici does by default.
 */
const agentOptions = { keepAlive: true, timeout: 4_000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' as const };

/**
 * The sender's HTTP client on node:http with kept-alive connections: what FetchHttpClient does
 * (timeouts, redirects refused, network failures and timeouts as retryable PlatformErrors), for a
 * fraction of its CPU — fetch costs ~225 µs more per small JSON request on this hardware (web
 * streams, an AbortSignal timer, Headers), more than everything else a send does in this process.
 * A FormData body (a media upload) goes through fetch, which knows how to encode it.
 */
export class NodeHttpClient implements HttpClient {
  private readonly httpAgent = new http.Agent(agentOptions);
  private readonly httpsAgent = new https.Agent(agentOptions);
  private readonly multipart: HttpClient;

  constructor(private readonly defaultTimeoutMs = 10_000) {
    this.multipart = new FetchHttpClient(defaultTimeoutMs);
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    if (typeof FormData !== 'undefined' && req.body instanceof FormData) return this.multipart.request(req);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (err) {
      return Promise.reject(new PlatformError('TEMPORARY', 'invalid URL', { cause: err, platformCode: 'NETWORK' }));
    }
    const secure = url.protocol === 'https:';
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : (req.body as Buffer);
    const headers: Record<string, string | number> = { ...req.headers };
    if (body) headers['content-length'] = body.length;
    const networkError = (cause: unknown): PlatformError => new PlatformError('TEMPORARY', `network error calling ${url.host}`, { cause, platformCode: 'NETWORK' });
    return new Promise<HttpResponse>((resolve, reject) => {
      const outgoing = (secure ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers,
          agent: secure ? this.httpsAgent : this.httpAgent,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (REDIRECTS.has(status)) {
            res.resume();
            fail(networkError(new Error(`redirected (HTTP ${status}), not followed`)));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => fail(networkError(err)));
          res.on('end', () => {
            clearTimeout(timer);
            if (settled) return;
            settled = true;
            resolve(answer(status, res.rawHeaders, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
          });
        },
      );
      let settled = false;
      const fail = (err: PlatformError): void => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        outgoing.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(networkError(new Error(`timed out after ${req.timeoutMs ?? this.defaultTimeoutMs} ms`))), req.timeoutMs ?? this.defaultTimeoutMs);
      outgoing.on('error', (err) => fail(networkError(err)));
      outgoing.end(body);
    });
  }
}

function answer(status: number, rawHeaders: string[], body: Buffer): HttpResponse {
  let headers: Headers | undefined;
  return {
    status,
    // Built when asked for: a send never reads them.
    get headers(): Headers {
      if (!headers) {
        headers = new Headers();
        for (let i = 0; i + 1 < rawHeaders.length; i += 2) headers.append(rawHeaders[i]!, rawHeaders[i + 1]!);
      }
      return headers;
    },
    body,
    json<T>(): T {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch (err) {
        throw new PlatformError('TEMPORARY', `non-JSON answer (HTTP ${status})`, { cause: err, platformCode: `HTTP_${status}` });
      }
    },
  };
}
