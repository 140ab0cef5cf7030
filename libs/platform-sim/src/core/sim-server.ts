import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimInputError } from './sim-errors';
import { simErrorResponse, type SimRequest, type SimResponse } from './sim-http.types';
import type { SimRouter } from './sim-router';

export interface SimServerOptions {
  port?: number;
  host?: string;
  /** Larger request bodies get HTTP 413. Default 32 MiB (WeCom files go up to 20 MB). */
  maxBodyBytes?: number;
}

export interface SimServer {
  /** Base URL, e.g. `http://127.0.0.1:39123` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(`request body exceeds ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function write(res: ServerResponse, reply: SimResponse): void {
  if (res.writableEnded || res.destroyed) return;
  const body = reply.body ?? '';
  const headers: Record<string, string | number> = { ...reply.headers };
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(reply.status, headers);
  res.end(body);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Plain `node:http` server around a `SimRouter`. Every failure becomes a JSON answer: bad input
 * 4xx, handler bugs 500. Nothing a client sends can take the process down.
 */
export async function startSimServer(router: SimRouter, opts: SimServerOptions = {}): Promise<SimServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const lifetime = new AbortController();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sim.invalid');
    } catch {
      write(res, simErrorResponse(400, 'bad_request', 'Malformed request URL'));
      return;
    }
    const route = router.match(method, url.pathname);
    if (route.kind === 'not_found') {
      req.resume();
      write(res, simErrorResponse(404, 'not_found', `No route ${method} ${url.pathname}`));
      return;
    }
    if (route.kind === 'method_not_allowed') {
      req.resume();
      const reply = simErrorResponse(405, 'method_not_allowed', `${method} not allowed on ${url.pathname}; use ${route.allowed.join(', ')}`);
      reply.headers = { ...reply.headers, allow: route.allowed.join(', ') };
      write(res, reply);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        write(res, simErrorResponse(413, 'payload_too_large', err.message));
      } else {
        res.destroy();
      }
      return;
    }
    const simReq: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      signal: lifetime.signal,
    };
    try {
      write(res, await route.handler(simReq));
    } catch (err) {
      if (lifetime.signal.aborted) {
        res.destroy();
      } else if (err instanceof SimInputError) {
        write(res, simErrorResponse(err.status, err.code, err.message));
      } else {
        const message = err instanceof Error ? err.message : String(err);
        write(res, simErrorResponse(500, 'internal_error', message));
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  // Clients that vanish mid-request must not surface as unhandled errors.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort(new Error('simulator shutting down'));
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
