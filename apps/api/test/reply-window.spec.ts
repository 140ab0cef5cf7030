import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ReplyWindowView, RenderedPart } from '@imbridge/contracts';
import { MP_CUSTOMER_SERVICE_REPLY_WINDOW, WECOM_KF_REPLY_WINDOW, type PlatformAdapter } from '@imbridge/platform-core';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { ApiError } from '../src/common/api-error';
import { PlatformRegistry } from '../src/platforms/platform-registry.service';
import { ReplyWindowService } from '../src/reply-window/reply-window.service';
import { newSimCorp, openSimConversation } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * Reply windows against the real database: WeCom (no window) through the endpoint; a 微信客服-like
 * platform (48 h, 5 messages) registered in the running app's PlatformRegistry for the test, with its
 * conversation and outbox rows written directly. Also the answer preview endpoint.
 */

jest.setTimeout(30_000);

const HOUR = 3_600_000;

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let windows: ReplyWindowService;
let agentToken = '';

/** A platform with the 微信客服 rule; the real wecom-kf module (issue 5) declares the same rule. */
const kfTestAdapter: PlatformAdapter = {
  descriptor: {
    id: 'wecom-kf',
    name: { zh: '微信客服（测试）', en: 'WeChat customer service (test)' },
    description: { zh: '测试', en: 'test' },
    capabilities: [],
    fields: [],
    callbackMethods: ['POST'],
    defaultReplayToleranceSeconds: 600,
    defaultSendRatePerSecond: 30,
    docs: [],
    replyWindow: WECOM_KF_REPLY_WINDOW,
  },
};

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp();
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  const registry = app.running.app.get(PlatformRegistry);
  if (!registry.get('wecom-kf')) registry.registerAll([kfTestAdapter]);
  windows = app.running.app.get(ReplyWindowService);
  const password = 'rw-agent-password-1';
  expect((await app.api('POST', '/api/users', { username: 'rw-agent', password, role: 'agent' }, app.adminToken)).status).toBe(201);
  agentToken = (await app.api<{ accessToken: string }>('POST', '/api/auth/login', { username: 'rw-agent', password })).body.accessToken;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

async function windowOf(conversationId: string, token = app.adminToken): Promise<ReplyWindowView> {
  const res = await app.api<ReplyWindowView>('GET', `/api/conversations/${conversationId}/reply-window`, undefined, token);
  expect(res.status).toBe(200);
  return res.body;
}

describe('GET /api/conversations/:id/reply-window', () => {
  it('is unlimited for a WeCom app conversation, for agents too', async () => {
    const corp = await newSimCorp(app, sim, { name: 'rw' });
    const conv = await openSimConversation(app, sim, corp, 'rw-user', '你好');
    const expected = { limited: false, open: true, closesAt: null, remainingMessages: null, reason: null };
    expect(await windowOf(conv.id)).toEqual(expected);
    expect(await windowOf(conv.id, agentToken)).toEqual(expected);
    await expect(windows.assertOpen(conv.id)).resolves.toEqual(expected);
  });

  it('answers 404 for an unknown or malformed id, 401 without a session', async () => {
    expect((await app.api('GET', `/api/conversations/${randomUUID()}/reply-window`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api('GET', '/api/conversations/nope/reply-window', undefined, app.adminToken)).status).toBe(404);
    expect((await app.api('GET', `/api/conversations/${randomUUID()}/reply-window`)).status).toBe(401);
  });
});

describe('a platform with a 48 h / 5 messages window', () => {
  let conversationId = '';
  let integrationId = '';
  const lastInbound = new Date(Date.now() - HOUR);

  async function addOutbound(status: string, createdAt: Date, platformMessageIds: string[] | null = null): Promise<void> {
    const [msg] = await ds.query<{ id: string }[]>(
      `INSERT INTO messages (conversation_id, integration_id, direction, type, text, status, created_at) VALUES ($1, $2, 'out', 'text', 'x', $3, $4) RETURNING id`,
      [conversationId, integrationId, ({ dead: 'failed', sending: 'queued' } as Record<string, string>)[status] ?? status, createdAt],
    );
    // next_attempt_at far ahead: no worker touches these rows (the integration is disabled anyway).
    await ds.query(
      `INSERT INTO outbound_messages (message_id, integration_id, conversation_id, recipient, payload, status, platform_message_ids, created_at, next_attempt_at)
       VALUES ($1, $2, $3, '{"externalId":"kf-user","kind":"user"}', '{"type":"text","text":"x"}', $4, $5, $6, now() + interval '1 day')`,
      [msg!.id, integrationId, conversationId, status, platformMessageIds === null ? null : JSON.stringify(platformMessageIds), createdAt],
    );
  }

  const setLastInbound = (at: Date | null) => ds.query('UPDATE conversations SET last_inbound_at = $2 WHERE id = $1', [conversationId, at]);

  beforeAll(async () => {
    [{ id: integrationId }] = await ds.query<{ id: string }[]>(`INSERT INTO integrations (platform, name, enabled) VALUES ('wecom-kf', 'kf test', false) RETURNING id`);
    const [contact] = await ds.query<{ id: string }[]>(`INSERT INTO contacts (integration_id, external_id) VALUES ($1, 'kf-user') RETURNING id`, [integrationId]);
    [{ id: conversationId }] = await ds.query<{ id: string }[]>(
      `INSERT INTO conversations (integration_id, contact_id, last_inbound_at) VALUES ($1, $2, $3) RETURNING id`,
      [integrationId, contact!.id, lastInbound],
    );
  });

  it('counts sent (per platform part) and queued messages since the customer wrote, not failed or older ones', async () => {
    const open = await windowOf(conversationId);
    expect(open).toEqual({
      limited: true,
      open: true,
      closesAt: new Date(lastInbound.getTime() + 48 * HOUR).toISOString(),
      remainingMessages: 5,
      maxMessages: 5,
      reason: WECOM_KF_REPLY_WINDOW.description,
    });

    await addOutbound('sent', new Date(lastInbound.getTime() - 60_000), ['before']); // before the customer's message
    await addOutbound('sent', lastInbound, ['m1']); // the bot's answer in the inbox's transaction: same instant
    await addOutbound('sent', new Date(lastInbound.getTime() + 1000), ['m2a', 'm2b']); // a text split in two
    await addOutbound('queued', new Date(lastInbound.getTime() + 2000));
    await addOutbound('dead', new Date(lastInbound.getTime() + 3000));
    await addOutbound('failed', new Date(lastInbound.getTime() + 4000));
    expect(await windows.sentSince(conversationId, lastInbound)).toBe(4);
    expect(await windowOf(conversationId)).toMatchObject({ open: true, remainingMessages: 1 });
    await expect(windows.assertOpen(conversationId)).resolves.toMatchObject({ open: true, remainingMessages: 1 });
  });

  it('closes at the 5th message: GET says why, assertOpen throws 409 WINDOW_CLOSED', async () => {
    await addOutbound('sending', new Date(lastInbound.getTime() + 5000));
    const closed = await windowOf(conversationId);
    expect(closed).toMatchObject({ limited: true, open: false, closesAt: null, remainingMessages: 0 });
    expect(closed.reason!.zh).toContain('已发送 5 条');
    let thrown: unknown;
    try {
      await windows.assertOpen(conversationId);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const error = thrown as ApiError;
    expect(error.getStatus()).toBe(409);
    expect(error.getResponse()).toEqual({ statusCode: 409, code: 'WINDOW_CLOSED', message: closed.reason!.en, messageZh: closed.reason!.zh, details: { window: closed } });

    // The send endpoint refuses before anything is queued; an internal note is still allowed.
    const count = async () => Number((await ds.query<{ n: string }[]>(`SELECT count(*) AS n FROM messages WHERE conversation_id = $1`, [conversationId]))[0]!.n);
    const before = await count();
    const sent = await app.api<{ code: string; messageZh: string }>('POST', `/api/conversations/${conversationId}/messages`, { type: 'text', text: '还在吗？' }, app.adminToken);
    expect(sent.status).toBe(409);
    expect(sent.body).toMatchObject({ code: 'WINDOW_CLOSED', messageZh: closed.reason!.zh });
    expect(await count()).toBe(before);
    const note = await app.api('POST', `/api/conversations/${conversationId}/notes`, { text: '客户窗口已关闭，等待客户回复' }, app.adminToken);
    expect(note.status).toBe(201);
  });

  it('opens again when the customer writes, and closes 48 h after their last message', async () => {
    await setLastInbound(new Date());
    expect(await windowOf(conversationId)).toMatchObject({ open: true, remainingMessages: 5 });

    await setLastInbound(new Date(Date.now() - 48 * HOUR - 1000));
    const late = await windowOf(conversationId);
    expect(late).toMatchObject({ limited: true, open: false, closesAt: null });
    expect(late.reason!.zh).toBe('客户最后一条消息已超过 48 小时，平台不允许再主动回复；等待客户再次发消息');
    await expect(windows.assertOpen(conversationId)).rejects.toMatchObject({ status: 409 });

    await setLastInbound(null);
    const never = await windowOf(conversationId);
    expect(never).toMatchObject({ limited: true, open: false, remainingMessages: 0 });
    expect(never.reason!.en).toContain('has not written yet');
  });

  it('applies the 公众号 rule (48 h, no count) when asked with that rule', async () => {
    await setLastInbound(new Date(Date.now() - 47 * HOUR));
    const mp = await windows.viewWithRule(conversationId, MP_CUSTOMER_SERVICE_REPLY_WINDOW);
    expect(mp).toMatchObject({ limited: true, open: true, remainingMessages: null, reason: MP_CUSTOMER_SERVICE_REPLY_WINDOW.description });
    expect(Date.parse(mp.closesAt!) - Date.now()).toBeGreaterThan(HOUR - 60_000);
    expect(Date.parse(mp.closesAt!) - Date.now()).toBeLessThanOrEqual(HOUR);
    expect(await windows.viewWithRule(conversationId, null)).toMatchObject({ limited: false, open: true });
  });
});

describe('POST /api/preview/answer', () => {
  const preview = (body: unknown, token = app.adminToken) => app.api<{ parts: RenderedPart[]; code?: string }>('POST', '/api/preview/answer', body, token);

  it('renders an answer as the WeCom app sends it: markdown degraded, long text split, images, news', async () => {
    const para = '退货请在收到商品后七天内申请，我们会尽快处理。'.repeat(30); // 690 chars, 2070 bytes
    const res = await preview(
      {
        platform: 'wecom',
        answer: {
          text: `## 退货说明\n\n**请注意**：${para}`,
          images: [{ url: 'https://example.com/a.png', alt: '流程图' }],
          links: Array.from({ length: 9 }, (_, i) => ({ title: `帮助 ${i + 1}`, url: `https://example.com/h/${i + 1}` })),
        },
      },
      agentToken,
    );
    expect(res.status).toBe(200);
    const types = res.body.parts.map((p) => p.type);
    expect(types).toEqual(['text', 'text', 'image', 'news', 'news']);
    const [first, second] = res.body.parts;
    expect(first!.preview.startsWith('退货说明\n\n请注意：')).toBe(true);
    expect(first!.preview + second!.preview).toBe(`退货说明\n\n请注意：${para}`);
    for (const p of [first!, second!]) {
      expect(p.bytes).toBe(Buffer.byteLength(p.preview, 'utf8'));
      expect(p.bytes!).toBeLessThanOrEqual(2048);
    }
    expect(res.body.parts[2]).toEqual({ type: 'image', preview: 'https://example.com/a.png' });
    expect(res.body.parts[4]!.preview).toBe('帮助 9\nhttps://example.com/h/9');
  });

  it('refuses unknown platforms and invalid answers with 400', async () => {
    const cases: Array<[unknown, string]> = [
      [{ platform: 'nope', answer: { text: 'x' } }, 'UNKNOWN_PLATFORM'],
      // Our test adapter of wecom-kf has no sender (the real module, once it exists, may preview).
      ...(app.running.app.get(PlatformRegistry).get('wecom-kf') === kfTestAdapter ? [[{ platform: 'wecom-kf', answer: { text: 'x' } }, 'PREVIEW_UNAVAILABLE'] as [unknown, string]] : []),
      [{ platform: 'wecom' }, 'VALIDATION_FAILED'],
      [{ platform: 'wecom', answer: 'text' }, 'VALIDATION_FAILED'],
      [{ platform: 'wecom', answer: {} }, 'EMPTY_ANSWER'],
      [{ platform: 'wecom', answer: { text: '  ' } }, 'EMPTY_ANSWER'],
      [{ platform: 'wecom', answer: { text: 'x'.repeat(20_001) } }, 'INVALID_ANSWER'],
      [{ platform: 'wecom', answer: { images: Array.from({ length: 10 }, () => ({ url: 'https://example.com/a.png' })) } }, 'INVALID_ANSWER'],
      [{ platform: 'wecom', answer: { links: Array.from({ length: 33 }, () => ({ title: 't', url: 'https://example.com' })) } }, 'INVALID_ANSWER'],
      [{ platform: 'wecom', answer: { images: [{ url: 'javascript:alert(1)' }] } }, 'INVALID_ANSWER'],
      [{ platform: 'wecom', answer: { links: [{ title: 't', url: 'file:///etc/passwd' }] } }, 'INVALID_ANSWER'],
      [{ platform: 'wecom', answer: { links: [{ title: '', url: 'https://example.com' }] } }, 'INVALID_ANSWER'],
      [{ platform: 'wecom', answer: { text: 'x', html: '<b>' } }, 'INVALID_ANSWER'],
    ];
    for (const [body, code] of cases) {
      const res = await preview(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code });
    }
    const exactly = await preview({ platform: 'wecom', answer: { text: 'y'.repeat(20_000) } });
    expect(exactly.status).toBe(200);
    expect(exactly.body.parts.map((p) => p.bytes)).toEqual(Array.from({ length: 10 }, (_, i) => (i < 9 ? 2048 : 20_000 - 9 * 2048)));
  });
});
