import { PlatformError } from './platform-error';

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer | FormData;
  timeoutMs?: number;
}

/** Outbound HTTP for adapters. The API's implementation checks URLs against the SSRF policy. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** A fetch-based client; network failures and timeouts become retryable PlatformErrors. */
export class FetchHttpClient implements HttpClient {
  constructor(private readonly defaultTimeoutMs = 10_000) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body as RequestInit['body'],
        signal: AbortSignal.timeout(req.timeoutMs ?? this.defaultTimeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new PlatformError('TEMPORARY', `network error calling ${new URL(req.url).host}`, { cause: err, platformCode: 'NETWORK' });
    }
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      headers: res.headers,
      body,
      json<T>() {
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch (err) {
          throw new PlatformError('TEMPORARY', `non-JSON answer (HTTP ${res.status})`, { cause: err, platformCode: `HTTP_${res.status}` });
        }
      },
    };
  }
}
