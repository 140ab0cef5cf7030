import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the test receiver got it. */
export interface ReceivedRequest {
  method: string;
  /** Path plus raw (still percent-encoded) query string. */
  rawUrl: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ReceiverAnswer {
  status: number;
  body?: string;
  /** Wait this long before answering (to play a slow gateway). */
  delayMs?: number;
}

export interface CallbackReceiver {
  /** Base URL of the receiver, e.g. `http://127.0.0.1:4711/callback/wecom`. */
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * Tiny `node:http` server playing the gateway's callback endpoint in tests. `answer` gets each
 * request and its 0-based index; a thrown error answers 500 with the message.
 */
export async function startCallbackReceiver(
  answer: (req: ReceivedRequest, index: number) => ReceiverAnswer | Promise<ReceiverAnswer>,
  path = '/callback/wecom',
): Promise<CallbackReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const received: ReceivedRequest = {
        method: req.method ?? 'GET',
        rawUrl,
        query: new URL(rawUrl, 'http://receiver.invalid').searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.push(received) - 1;
      Promise.resolve()
        .then(() => answer(received, index))
        .then(
          async (a) => {
            if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
            if (!res.destroyed) res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8' }).end(a.body ?? '');
          },
          (err: unknown) => {
            if (!res.destroyed) res.writeHead(500).end(err instanceof Error ? err.message : String(err));
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
