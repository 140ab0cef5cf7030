import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the fake server received. */
export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body as text, and parsed (JSON), when it was JSON. */
  raw: string;
  body: unknown;
  /** Webhook requests: whether X-Imbridge-Signature matched. */
  signatureValid?: boolean;
}

export type FakeMode = 'ok' | 'hang' | 'error';

/**
 * A local stand-in for an OpenAI-compatible chat-completions endpoint and for a signed webhook, for
 * tests. `POST /v1/chat/completions` answers `reply` whole (non-stream) or as server-sent events
 * (`stream: true` in the request), written in `writeBytes`-sized slices so that chunk boundaries fall
 * inside lines and inside UTF-8 sequences, with `chunkDelayMs` between slices and keep-alive comments.
 * `POST /webhook` checks the HMAC (`v1=` hex HMAC-SHA256(webhookSecret, `${ts}.${rawBody}`)) and
 * answers `webhookReply`. `mode: 'hang'` never answers; `mode: 'error'` answers `errorStatus`.
 */
export class FakeOpenAiServer {
  reply = '您好，我是测试助手。';
  mode: FakeMode = 'ok';
  errorStatus = 500;
  chunkDelayMs = 0;
  /** Characters of the reply per SSE event. */
  chunkChars = 3;
  /** Bytes per socket write of a stream. */
  writeBytes = 7;
  webhookSecret = 'webhook-secret-for-tests-0123';
  /** The webhook's JSON answer; default `{reply}`. */
  webhookReply: unknown = undefined;
  /** Wait this long before answering a webhook or chat-completions call (a slow bot). */
  answerDelayMs = 0;
  /** The webhook's reply per question (`message.text`); overrides `reply` when set. */
  replyFor: ((question: string) => string) | null = null;
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Base URL to configure as the OpenAI-compatible app (`…/v1`). */
  get url(): string {
    return `${this.origin}/v1`;
  }

  get webhookUrl(): string {
    return `${this.origin}/webhook`;
  }

  static async start(): Promise<FakeOpenAiServer> {
    let self: FakeOpenAiServer | null = null;
    const server = createServer((req, res) => void self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeOpenAiServer(server, `http://127.0.0.1:${port}`);
    const created = self;
    server.on('connection', (s) => {
      created.sockets.add(s);
      s.on('close', () => created.sockets.delete(s));
    });
    return created;
  }

  /** Back to defaults; recorded requests cleared. */
  reset(): void {
    this.reply = '您好，我是测试助手。';
    this.mode = 'ok';
    this.errorStatus = 500;
    this.chunkDelayMs = 0;
    this.chunkChars = 3;
    this.writeBytes = 7;
    this.webhookReply = undefined;
    this.answerDelayMs = 0;
    this.replyFor = null;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // recorded as raw only
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const record: RecordedRequest = { path, headers: req.headers, raw, body };
    this.requests.push(record);
    if (this.mode === 'hang') return; // the socket stays open until the client gives up or close()
    if (this.answerDelayMs > 0) await new Promise((r) => setTimeout(r, this.answerDelayMs));
    if (this.mode === 'error') {
      res.writeHead(this.errorStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'fake failure', type: 'server_error' } }));
      return;
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') return this.completions(body as { stream?: boolean; model?: string } | undefined, res);
    if (req.method === 'POST' && path === '/webhook') {
      record.signatureValid = this.verify(req.headers, raw);
      if (!record.signatureValid) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad signature' }));
        return;
      }
      const question = (body as { message?: { text?: string } } | undefined)?.message?.text ?? '';
      const reply = this.replyFor ? this.replyFor(question) : this.reply;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.webhookReply ?? { reply }));
      return;
    }
    res.writeHead(404).end('not found');
  }

  private verify(headers: IncomingHttpHeaders, raw: string): boolean {
    const ts = headers['x-imbridge-timestamp'];
    const sig = headers['x-imbridge-signature'];
    if (typeof ts !== 'string' || typeof sig !== 'string') return false;
    const expected = Buffer.from(`v1=${createHmac('sha256', this.webhookSecret).update(`${ts}.${raw}`).digest('hex')}`);
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async completions(body: { stream?: boolean; model?: string } | undefined, res: ServerResponse): Promise<void> {
    const model = body?.model ?? 'fake';
    if (!body?.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: this.reply }, finish_reason: 'stop' }] }),
      );
      return;
    }
    let sse = ': keep-alive\n\n';
    sse += `data: ${JSON.stringify({ id: 'chatcmpl-fake', model, choices: [{ index: 0, delta: { role: 'assistant' } }] })}\n\n`;
    const chars = [...this.reply];
    for (let i = 0; i < chars.length; i += this.chunkChars) {
      sse += `data: ${JSON.stringify({ id: 'chatcmpl-fake', model, choices: [{ index: 0, delta: { content: chars.slice(i, i + this.chunkChars).join('') } }] })}\n\n`;
      if (i === 0) sse += ': still thinking\n\n';
    }
    sse += `data: ${JSON.stringify({ id: 'chatcmpl-fake', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const bytes = Buffer.from(sse, 'utf8');
    for (let i = 0; i < bytes.length; i += this.writeBytes) {
      if (res.destroyed) return;
      res.write(bytes.subarray(i, i + this.writeBytes));
      if (this.chunkDelayMs > 0) await new Promise((r) => setTimeout(r, this.chunkDelayMs));
    }
    res.end();
  }
}
