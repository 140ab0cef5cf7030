import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { readCallbackBody } from './callback-body';

/** A server that reads each request's body with readCallbackBody and answers with what happened. */
function server(limit: number): Promise<{ url: URL; results: (Buffer | Error)[]; close(): Promise<void> }> {
  const results: (Buffer | Error)[] = [];
  const srv: Server = createServer((req: IncomingMessage, res) => {
    readCallbackBody(req, limit).then(
      (body) => {
        results.push(body);
        res.end(`ok ${body.length}`);
      },
      (err: Error) => {
        results.push(err);
        res.setHeader('connection', 'close');
        res.statusCode = 400;
        res.end('refused');
      },
    );
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: new URL(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/`),
        results,
        close: () => new Promise((r) => srv.close(() => r())),
      }),
    ),
  );
}

function post(url: URL, body: Buffer | Buffer[], headers: Record<string, string | number> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      req.end();
    } else req.end(body);
  });
}

describe('readCallbackBody', () => {
  let s: Awaited<ReturnType<typeof server>>;
  beforeEach(async () => {
    s = await server(1024);
  });
  afterEach(async () => {
    await s.close();
  });

  it('reads a body with Content-Length, in one chunk or many, and an empty one', async () => {
    expect(await post(s.url, Buffer.from('<xml/>'))).toEqual({ status: 200, text: 'ok 6' });
    expect(await post(s.url, [Buffer.alloc(300, 1), Buffer.alloc(300, 2), Buffer.alloc(424, 3)])).toEqual({ status: 200, text: 'ok 1024' });
    expect(await post(s.url, Buffer.alloc(0))).toEqual({ status: 200, text: 'ok 0' });
    const last = s.results.at(-2) as Buffer;
    expect(Buffer.isBuffer(last) && last.subarray(299, 301)).toEqual(Buffer.from([1, 2]));
  });

  it('reads a chunked body up to the limit', async () => {
    expect(await post(s.url, [Buffer.alloc(512), Buffer.alloc(512)], { 'transfer-encoding': 'chunked' })).toEqual({ status: 200, text: 'ok 1024' });
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    expect(await post(s.url, Buffer.alloc(1025))).toEqual({ status: 400, text: 'refused' });
    expect(String(s.results[0])).toMatch(/larger than 1024 bytes/);
  });

  it('refuses a chunked body once it passes the limit', async () => {
    expect(await post(s.url, [Buffer.alloc(1000), Buffer.alloc(1000), Buffer.alloc(1000)], { 'transfer-encoding': 'chunked' })).toEqual({ status: 400, text: 'refused' });
    expect(String(s.results[0])).toMatch(/larger than 1024 bytes/);
  });

  it('refuses a body that ends before its Content-Length (the client hung up)', async () => {
    const sock = connect(Number(s.url.port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly twenty bytes...');
    await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
    for (let i = 0; i < 50 && s.results.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.results).toHaveLength(1);
    // Node's own 'aborted' error, or the early close: either way a refusal, not a short body.
    expect(Buffer.isBuffer(s.results[0])).toBe(false);
    expect(String((s.results[0] as Error).message)).toMatch(/aborted|closed before the body ended/);
  });
});
