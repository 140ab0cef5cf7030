import type { IncomingHttpHeaders } from 'node:http';

/** One fully-read inbound request, as handlers see it. */
export interface SimRequest {
  readonly method: string;
  /** URL path without the query string, e.g. `/cgi-bin/gettoken`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Peer address as seen by the socket (`::ffff:` prefix removed). */
  readonly remoteAddress: string;
  /** Aborted when the simulator shuts down, so pending delays end promptly. */
  readonly signal: AbortSignal;
}

/** What a handler answers; the server writes it. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** JSON answer with the given status. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** The simulator's own error shape (control API, unknown routes): `{error, message}`. */
export function simErrorResponse(status: number, error: string, message: string): SimResponse {
  return jsonResponse(status, { error, message });
}
