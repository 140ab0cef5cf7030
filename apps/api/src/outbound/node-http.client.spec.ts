import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformError } from '@imbridge/platform-core';
import { NodeHttpClient } from './node-http.client';

/** A local server whose answer each test sets; it records what arrived and on which connection. */
let server: http.Server;
let base: string;
let handler: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    sockets.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => sockets.clear());

const client = new NodeHttpClient(500);

async function rejection(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

describe('NodeHttpClient', () => {
  it('posts the body as given, answers status, body, JSON and headers, and keeps the connection for the next call', async () => {
    const seen: { method?: string; url?: string; type?: string; length?: string; body: string }[] = [];
    handler = (req, body, res) => {
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], length: req.headers['content-length'], body: body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json', 'x-trace': 'abc' });
      res.end('{"errcode":0,"msgid":"m1"}');
    };
    const text = JSON.stringify({ text: { content: '你好 😀' } });
    for (let i = 0; i < 3; i++) {
      const res = await client.request({ method: 'POST', url: `${base}/cgi-bin/message/send?access_token=t%2B1`, headers: { 'content-type': 'application/json' }, body: text });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ errcode: 0, msgid: 'm1' });
      expect(res.body.toString()).toBe('{"errcode":0,"msgid":"m1"}');
      expect(res.headers.get('x-trace')).toBe('abc');
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toEqual({ method: 'POST', url: '/cgi-bin/message/send?access_token=t%2B1', type: 'application/json', length: String(Buffer.byteLength(text)), body: text });
    expect(sockets.size).toBe(1);
  });

  it('sends a Buffer body and a GET without one', async () => {
    const bodies: string[] = [];
    handler = (req, body, res) => {
      bodies.push(`${req.method} ${body.toString('hex')}`);
      res.end('ok');
    };
    await client.request({ method: 'POST', url: `${base}/b`, body: Buffer.from([1, 2, 3]) });
    const got = await client.request({ method: 'GET', url: `${base}/g` });
    expect(bodies).toEqual(['POST 010203', 'GET ']);
    expect(got.body.toString()).toBe('ok');
  });

  it('does not follow a redirect: a retryable network error, as fetch with redirect "error"', async () => {
    let followed = false;
    handler = (req, _body, res) => {
      if (req.url === '/elsewhere') followed = true;
      res.writeHead(302, { location: `${base}/elsewhere` });
      res.end();
    };
    const err = await rejection(client.request({ method: 'GET', url: `${base}/moved` }));
    expect(err).toMatchObject({ code: 'TEMPORARY', platformCode: 'NETWORK' });
    expect(followed).toBe(false);
  });

  it('gives up after the timeout and when nothing listens, both as retryable network errors', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const slow = await rejection(client.request({ method: 'POST', url: `${base}/slow`, body: '{}', timeoutMs: 200 }));
    expect(slow).toMatchObject({ code: 'TEMPORARY', platformCode: 'NETWORK', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await rejection(client.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }))).toMatchObject({ code: 'TEMPORARY', platformCode: 'NETWORK' });
  });

  it('reports a non-JSON answer when JSON is asked for', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(502);
      res.end('<html>bad gateway</html>');
    };
    const res = await client.request({ method: 'GET', url: `${base}/html` });
    expect(res.status).toBe(502);
    expect(() => res.json()).toThrow(expect.objectContaining({ platformCode: 'HTTP_502' }));
  });

  it('sends a FormData body (a media upload) as multipart', async () => {
    let received = '';
    let type = '';
    handler = (req, body, res) => {
      type = String(req.headers['content-type']);
      received = body.toString('latin1');
      res.end('{"errcode":0}');
    };
    const form = new FormData();
    form.append('media', new Blob([Buffer.from('PNG-bytes')], { type: 'image/png' }), 'a.png');
    const res = await client.request({ method: 'POST', url: `${base}/upload`, body: form });
    expect(res.json()).toEqual({ errcode: 0 });
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
    expect(received).toContain('name="media"; filename="a.png"');
    expect(received).toContain('PNG-bytes');
  });
});
