import { createHmac } from 'node:crypto';
import type { BotExternalAppConfig } from '@imbridge/contracts';
import { FakeOpenAiServer } from '@imbridge/testing';
import { AppCallError } from '../src/bot/app-call';
import type { AppRequest } from '../src/bot/external-app.types';
import { stripMarker } from '../src/bot/external-app.service';
import { GuardedStreamClient } from '../src/bot/guarded-stream.client';
import { chatCompletionsUrl, OpenAiAppClient } from '../src/bot/openai-app.client';
import { SseParser } from '../src/bot/sse-parser';
import { WebhookAppClient, webhookSignature } from '../src/bot/webhook-app.client';
import { newSimCorp } from './sim-corp';
import { startTestApp } from './test-app';
import { startPlatformSim } from '@imbridge/platform-sim';

/**
 * The external-app clients against a local fake server (streaming assembly, timeouts, errors, the
 * webhook signature), the SSE parser on hostile chunk boundaries, and the SSRF guard: without
 * IMBRIDGE_ALLOW_PRIVATE_URLS an app URL on a private address is refused at save time and at call time.
 */

jest.setTimeout(30_000);

let fake: FakeOpenAiServer;
beforeAll(async () => {
  fake = await FakeOpenAiServer.start();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

const config = (over: Partial<BotExternalAppConfig> = {}): BotExternalAppConfig => ({
  kind: 'openai',
  url: fake.url,
  model: 'm-1',
  historyMessages: 0,
  timeoutMs: 3000,
  stream: true,
  ...over,
});

const request = (over: Partial<BotExternalAppConfig> = {}, secret: string | null = 'sk-abc'): AppRequest => ({
  config: config(over),
  secret,
  integrationId: '11111111-1111-4111-8111-111111111111',
  conversationId: null,
  contact: { externalId: 'u1', displayName: null },
  message: { type: 'text', text: '你好', sentAt: '2026-01-01T00:00:00.000Z' },
  history: [{ role: 'user', text: '之前的问题', at: '2025-12-31T23:59:00.000Z' }],
});

const openai = new OpenAiAppClient(new GuardedStreamClient(true));
const webhook = new WebhookAppClient(new GuardedStreamClient(true));

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppCallError);
    return (err as AppCallError).error.code;
  }
  throw new Error('expected a failure');
}

describe('SseParser', () => {
  const stream = ': ping\n\ndata: {"a":"价格😀"}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';

  it('gives the same events whatever the chunk boundaries (inside lines, CRLF pairs and UTF-8 sequences)', () => {
    const bytes = Buffer.from(stream, 'utf8');
    const expected = ['{"a":"价格😀"}', 'line1\nline2', '[DONE]'];
    for (const size of [1, 2, 3, 5, 7, 13, bytes.length]) {
      const p = new SseParser();
      const got: string[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...p.push(bytes.subarray(i, i + size)));
      got.push(...p.end());
      expect({ size, got }).toEqual({ size, got: expected });
    }
  });

  it('keeps an event that the stream ends without a blank line after', () => {
    const p = new SseParser();
    expect(p.push(Buffer.from('data: tail'))).toEqual([]);
    expect(p.end()).toEqual(['tail']);
  });
});

describe('OpenAI-compatible client', () => {
  it('assembles a stream written in 1-byte slices; sends model, messages and the bearer key', async () => {
    fake.reply = '多字节的回答：你好👋，世界';
    fake.writeBytes = 1;
    expect(await openai.ask(request())).toBe('多字节的回答：你好👋，世界');
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers['authorization']).toBe('Bearer sk-abc');
    expect(req.body).toEqual({
      model: 'm-1',
      stream: true,
      messages: [
        { role: 'user', content: '之前的问题' },
        { role: 'user', content: '你好' },
      ],
    });
  });

  it('reads a non-streamed answer; sends no Authorization without a key', async () => {
    fake.reply = '整段回答';
    expect(await openai.ask(request({ stream: false, systemPrompt: '系统' }, null))).toBe('整段回答');
    expect(fake.requests[0]!.headers['authorization']).toBeUndefined();
    expect((fake.requests[0]!.body as { messages: unknown[] }).messages[0]).toEqual({ role: 'system', content: '系统' });
  });

  it('gives up at the deadline when the server hangs or streams too slowly', async () => {
    fake.mode = 'hang';
    const started = Date.now();
    expect(await failure(openai.ask(request({ timeoutMs: 1000 })))).toBe('APP_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
    fake.mode = 'ok';
    fake.reply = '很慢很慢的回答'.repeat(5);
    fake.writeBytes = 4;
    fake.chunkDelayMs = 30;
    expect(await failure(openai.ask(request({ timeoutMs: 1000 })))).toBe('APP_TIMEOUT');
  });

  it('maps HTTP errors, empty replies and unreachable hosts to codes', async () => {
    fake.mode = 'error';
    fake.errorStatus = 401;
    expect(await failure(openai.ask(request()))).toBe('APP_HTTP_ERROR');
    fake.mode = 'ok';
    fake.reply = '   ';
    expect(await failure(openai.ask(request({ stream: false })))).toBe('APP_EMPTY_REPLY');
    expect(await failure(openai.ask(request({ url: 'http://127.0.0.1:1/v1' })))).toBe('APP_UNREACHABLE');
  });

  it('builds the route from the base URL', () => {
    expect(chatCompletionsUrl('https://x.example/v1/')).toBe('https://x.example/v1/chat/completions');
    expect(chatCompletionsUrl('https://x.example/api/chat/completions')).toBe('https://x.example/api/chat/completions');
  });

  it('removes the handoff marker', () => {
    expect(stripMarker('请稍等 [[HUMAN]]', '[[HUMAN]]')).toEqual({ text: '请稍等', found: true });
    expect(stripMarker('a.b', '.')).toEqual({ text: 'ab', found: true });
    expect(stripMarker('普通回答', undefined)).toEqual({ text: '普通回答', found: false });
  });
});

describe('webhook client', () => {
  it('signs `${timestamp}.${rawBody}` with HMAC-SHA256 (v1=hex) and reads {reply, handoff}', async () => {
    const cfg = { kind: 'webhook' as const, url: fake.webhookUrl };
    fake.webhookReply = { reply: '好的', handoff: true };
    const got = await webhook.ask(request(cfg, fake.webhookSecret), () => 1_800_000_000_000);
    expect(got).toEqual({ answer: { text: '好的' }, handoff: true });
    const req = fake.requests[0]!;
    expect(req.signatureValid).toBe(true);
    expect(req.headers['x-imbridge-timestamp']).toBe('1800000000');
    expect(req.headers['x-imbridge-signature']).toBe(`v1=${createHmac('sha256', fake.webhookSecret).update(`1800000000.${req.raw}`).digest('hex')}`);
    expect(webhookSignature('k', '1', '{}')).toBe(`v1=${createHmac('sha256', 'k').update('1.{}').digest('hex')}`);
    expect(req.body).toMatchObject({ event: 'message', message: { type: 'text', text: '你好' }, history: [{ role: 'user', text: '之前的问题' }] });
  });

  it('refuses a malformed answer and needs a secret', async () => {
    const cfg = { kind: 'webhook' as const, url: fake.webhookUrl };
    fake.webhookReply = { reply: 42 };
    expect(await failure(webhook.ask(request(cfg, fake.webhookSecret)))).toBe('APP_BAD_RESPONSE');
    expect(await failure(webhook.ask(request(cfg, null)))).toBe('APP_NOT_CONFIGURED');
  });
});

describe('SSRF guard', () => {
  it('the client refuses private addresses unless allowed, also for host names that resolve to one', async () => {
    const strict = new OpenAiAppClient(new GuardedStreamClient(false));
    expect(await failure(strict.ask(request()))).toBe('APP_URL_NOT_ALLOWED');
    expect(await failure(strict.ask(request({ url: fake.url.replace('127.0.0.1', 'localhost') })))).toBe('APP_URL_NOT_ALLOWED');
    expect(fake.requests).toHaveLength(0);
  });

  it('without IMBRIDGE_ALLOW_PRIVATE_URLS an app URL on 127.0.0.1 is refused at save time with a clear message', async () => {
    const sim = await startPlatformSim();
    // The simulator itself is on 127.0.0.1: allowed while creating the integration, not for the app.
    const app = await startTestApp({ IMBRIDGE_ALLOW_PRIVATE_URLS: 'true' });
    const strictApp = await startTestApp({ IMBRIDGE_ALLOW_PRIVATE_URLS: 'false' }, { databaseUrl: app.databaseUrl, env: app.env });
    let appOpen = true;
    try {
      const corp = await newSimCorp(app, sim, { name: 'ssrf' });
      await app.close();
      appOpen = false;
      for (const url of [fake.url, 'http://localhost:9/v1', 'http://169.254.169.254/latest', 'http://[::1]:8080/v1', 'http://10.1.2.3/hook']) {
        const res = await strictApp.api<{ code: string; message: string; messageZh: string }>(
          'PUT',
          `/api/integrations/${corp.integrationId}/bot`,
          { externalApp: { kind: 'openai', url, model: 'm', historyMessages: 0, timeoutMs: 5000, stream: false } },
          strictApp.adminToken,
        );
        expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
        expect(res.body.message).toMatch(/externalApp\.url: URL not allowed: .*(private|loopback)/);
        expect(res.body.messageZh).toContain('IMBRIDGE_ALLOW_PRIVATE_URLS');
      }
      expect(fake.requests).toHaveLength(0);
    } finally {
      await strictApp.close();
      if (appOpen) await app.close();
      await sim.close();
    }
  });
});
