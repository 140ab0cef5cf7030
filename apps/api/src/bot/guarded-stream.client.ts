import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress, UrlNotAllowedError, UrlPolicy } from '../security/url-policy';

export interface StreamRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface StreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives; consume it or call `discard()`. */
  body: IncomingMessage;
  discard(): void;
}

/**
 * The DNS lookup every connection uses: the address actually connected to is the one checked, so a
 * host that resolves to a public address for the policy check and to 127.0.0.1 a moment later (DNS
 * rebinding) is still refused.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) {
        return callback(new UrlNotAllowedError(hostname, `${hostname} resolves to a private or loopback address (${bad.address})`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} does not resolve`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * An HTTP(S) client for admin-configured endpoints (external bot apps) that returns the response as a
 * stream, for server-sent events. The same SSRF policy as GuardedHttpClient (scheme, no credentials in
 * the URL, private addresses refused unless IMBRIDGE_ALLOW_PRIVATE_URLS=true), checked again at
 * connect time; redirects are not followed.
 */
export class GuardedStreamClient {
  private readonly policy: UrlPolicy;

  constructor(private readonly allowPrivate: boolean) {
    this.policy = new UrlPolicy(allowPrivate);
  }

  async request(req: StreamRequest): Promise<StreamResponse> {
    await this.policy.assertAllowed(req.url);
    const url = new URL(req.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<StreamResponse>((resolve, reject) => {
      const r = send(
        url,
        {
          method: req.method,
          headers: { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) },
          lookup: guardedLookup(this.allowPrivate),
          signal: req.signal,
        },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, discard: () => res.destroy() }),
      );
      r.on('error', reject);
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  }
}

/** Reads a whole (bounded) body as UTF-8. */
export async function readBody(body: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
