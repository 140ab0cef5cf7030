import { newSimCorp, openSimConversation, type SimCorp } from './sim-corp';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConversationView, IntegrationView, MessageView, OutgoingMessage } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { DataSource } from 'typeorm';
import { OutboundService } from '../src/outbound/outbound.service';
import { freePort, startTestApp, type TestApp } from './test-app';

/**
 * WeCom outbound message types and "test connection", end to end: API, queue, workers, PostgreSQL,
 * Redis and the WeCom simulator; media is served by a tiny local HTTP server.
 */

jest.setTimeout(30_000);

const AGENT_ID = 1000002;
const FAST = { IMBRIDGE_RETRY_BASE_MS: '50', IMBRIDGE_SEND_RATE_PER_SECOND: '1000' };
/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let sim: PlatformSim;
let app: TestApp;
let files: Server;
let filesUrl = '';
let fileRequests = 0;

beforeAll(async () => {
  files = createServer((req, res) => {
    fileRequests++;
    if (req.url?.startsWith('/img/')) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
      res.end(PNG);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
  await new Promise((resolve) => files?.close(resolve));
});
afterEach(() => sim.wecom.clearScripts());

// ---- helpers ----

type Corp = SimCorp;


/** A WeCom app in the simulator and an integration pointing at it (`register: false` leaves the corp unknown to the sim). */
async function newCorp(opts: { register?: boolean; secretOverride?: string } = {}): Promise<Corp> {
  return newSimCorp(app, sim, { name: 'send', agentId: AGENT_ID, ...opts });
}

async function openConversation(corp: Corp, userId: string): Promise<ConversationView> {
  return openSimConversation(app, sim, corp, userId);
}

async function waitForStatus(conversationId: string, id: string, status: MessageView['status']): Promise<MessageView> {
  return expectEventually(
    async () => {
      const res = await app.api<MessageView[]>('GET', `/api/conversations/${conversationId}/messages`, undefined, app.adminToken);
      const m = res.body.find((x) => x.id === id);
      expect({ status: m?.status, error: m?.error }).toEqual({ status, error: status === 'sent' ? null : expect.anything() });
      return m!;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

const enqueue = (conversationId: string, message: OutgoingMessage): Promise<MessageView> =>
  app.running.app.get(OutboundService).enqueue(conversationId, message, null);

const bodiesTo = (corp: Corp, userId: string): Record<string, unknown>[] =>
  sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId)
    .map((m) => m.body);

const callsOf = (corp: Corp, api: string) => sim.wecom.calls(api).filter((c) => c.tenant === corp.corpId);

// ---- sending ----

describe('long text', () => {
  it('a 5,000-byte Chinese answer arrives as ordered parts of ≤ 2048 bytes that join back to the original', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'zhangsan');
    let text = '';
    for (let i = 1; Buffer.byteLength(text) < 5000; i++) {
      text += `第${i}条说明：您的订单已经进入配送流程，预计两天内送达，请保持电话畅通。`;
      if (i % 12 === 0) text += '\n\n';
    }
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(5000);

    const res = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { text }, app.adminToken);
    expect(res.status).toBe(201);
    await waitForStatus(conv.id, res.body.id, 'sent');

    const parts = bodiesTo(corp, 'zhangsan').map((b) => {
      expect(b['msgtype']).toBe('text');
      return (b['text'] as { content: string }).content;
    });
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const p of parts) expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(2048);
    expect(parts.join('')).toBe(text);
    expect(sim.wecom.sentMessages(corp.corpId).some((m) => m.truncated)).toBe(false);
  });

  it('a split text that fails half-way is retried whole, and the member still gets each part once', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'qianjiu');
    const text = `${'第一部分的内容。'.repeat(100)}\n\n${'第二部分的内容。'.repeat(100)}\n\n${'第三部分。'.repeat(50)}`;
    const base = sim.wecom.callCount('message/send');
    // The 2nd part's first attempt: system busy (retryable); the outbox retries the whole message.
    sim.wecom.script({ api: 'message/send', fromCall: base + 2, count: 1, errcode: -1 });
    const res = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { text }, app.adminToken);
    await waitForStatus(conv.id, res.body.id, 'sent');

    const parts = bodiesTo(corp, 'qianjiu').map((b) => (b['text'] as { content: string }).content);
    expect(parts.join('')).toBe(text);
    expect(parts).toHaveLength(3);
    expect(sim.wecom.suppressedMessages(corp.corpId)).toHaveLength(1); // part 1, re-sent by the retry
  });
});

describe('at most one delivery (WeCom duplicate check)', () => {
  const ZWSP = '\u200b';

  it('a send cut off after WeCom delivered it (outcome unknown) is sent again and dropped by WeCom: the member has it once', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'zhouyi');
    const msg = await enqueue(conv.id, { type: 'text', text: '您的订单已发货' });
    await waitForStatus(conv.id, msg.id, 'sent');
    // The state a SIGKILL right after the request left would have left: the attempt started, never finished.
    const ds = app.running.app.get(DataSource);
    await ds.query(`UPDATE outbound_messages SET status = 'sending', sent_at = NULL WHERE message_id = $1`, [msg.id]);
    await ds.query(`UPDATE messages SET status = 'queued' WHERE id = $1`, [msg.id]);
    const [row] = (await ds.query(`SELECT id FROM outbound_messages WHERE message_id = $1`, [msg.id])) as { id: string }[];
    await app.running.app.get(OutboundService).dispatch({ conversationId: conv.id, outboundId: row!.id }, 0, 'after-crash');
    await waitForStatus(conv.id, msg.id, 'sent');

    const delivered = bodiesTo(corp, 'zhouyi');
    expect(delivered.map((b) => (b['text'] as { content: string }).content)).toEqual(['您的订单已发货']);
    const suppressed = sim.wecom.suppressedMessages(corp.corpId).map((m) => m.body);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]).toEqual({ ...delivered[0] });
    expect(delivered[0]).toMatchObject({ enable_duplicate_check: 1, duplicate_check_interval: 3600 });
  });

  it('two different answers with the same text to the same member both arrive (the second varied invisibly)', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'wuer');
    const first = await enqueue(conv.id, { type: 'text', text: '营业时间：9:00-18:00' });
    const second = await enqueue(conv.id, { type: 'text', text: '营业时间：9:00-18:00' });
    await waitForStatus(conv.id, first.id, 'sent');
    await waitForStatus(conv.id, second.id, 'sent');
    const contents = bodiesTo(corp, 'wuer').map((b) => (b['text'] as { content: string }).content);
    expect(contents).toEqual(['营业时间：9:00-18:00', `营业时间：9:00-18:00${ZWSP}`]);
    expect(contents.map((c) => c.replaceAll(ZWSP, ''))).toEqual(['营业时间：9:00-18:00', '营业时间：9:00-18:00']);
    expect(sim.wecom.suppressedMessages(corp.corpId)).toEqual([]);
  });
});

describe('markdown', () => {
  it('arrives as readable plain text', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'lisi');
    const msg = await enqueue(conv.id, {
      type: 'markdown',
      markdown: '# 退款进度\n\n您的退款 **已受理**。\n\n* 金额：`¥120.00`\n* 详情见 [退款说明](https://help.example.com/refund)\n\n```\nREF-0042\n```',
    });
    await waitForStatus(conv.id, msg.id, 'sent');
    const [body] = bodiesTo(corp, 'lisi');
    expect(body).toMatchObject({ msgtype: 'text', agentid: AGENT_ID });
    expect((body!['text'] as { content: string }).content).toBe(
      '退款进度\n\n您的退款 已受理。\n\n- 金额：¥120.00\n- 详情见 退款说明 (https://help.example.com/refund)\n\nREF-0042',
    );
  });
});

describe('image and file', () => {
  it('an image by url is downloaded, uploaded with media/upload and sent with that media_id', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'wangwu');
    const before = fileRequests;
    const msg = await enqueue(conv.id, { type: 'image', url: `${filesUrl}/img/logo.png` });
    await waitForStatus(conv.id, msg.id, 'sent');

    expect(fileRequests - before).toBe(1);
    const uploads = callsOf(corp, 'media/upload');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.query['type']).toBe('image');
    const media = sim.wecom.listMedia(corp.corpId).filter((m) => m.source === 'upload');
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ type: 'image', contentType: 'image/png', fileName: 'logo.png' });
    expect(media[0]!.bytes.equals(PNG)).toBe(true);

    const sends = callsOf(corp, 'message/send');
    expect(uploads[0]!.seq).toBeLessThan(sends[0]!.seq);
    expect(bodiesTo(corp, 'wangwu')).toEqual([expect.objectContaining({ msgtype: 'image', image: { media_id: media[0]!.mediaId } })]);
  });

  it('an expired media_id is re-uploaded from its url once, then sent', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'zhaoliu');
    const oldId = sim.wecom.addMedia(corp.corpId, { bytes: PNG, contentType: 'image/png', fileName: 'old.png', type: 'image' });
    sim.wecom.expireMedia(oldId);

    const msg = await enqueue(conv.id, { type: 'image', mediaId: oldId, url: `${filesUrl}/img/again.png` });
    await waitForStatus(conv.id, msg.id, 'sent');

    const sends = callsOf(corp, 'message/send');
    expect(sends.map((c) => c.errcode)).toEqual([40007, 0]);
    expect(callsOf(corp, 'media/upload')).toHaveLength(1);
    const fresh = sim.wecom.listMedia(corp.corpId).find((m) => m.source === 'upload');
    expect(fresh?.mediaId).not.toBe(oldId);
    expect(bodiesTo(corp, 'zhaoliu')).toEqual([expect.objectContaining({ msgtype: 'image', image: { media_id: fresh!.mediaId } })]);
  });

  it('a file keeps its fileName; a url that answers 404 fails the message without retrying', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'sunqi');
    const ok = await enqueue(conv.id, { type: 'file', url: `${filesUrl}/img/x`, fileName: '报价单.png' });
    await waitForStatus(conv.id, ok.id, 'sent');
    expect(sim.wecom.listMedia(corp.corpId).find((m) => m.source === 'upload')).toMatchObject({ type: 'file', fileName: '报价单.png' });
    expect(bodiesTo(corp, 'sunqi')[0]).toMatchObject({ msgtype: 'file' });

    const missing = await enqueue(conv.id, { type: 'image', url: `${filesUrl}/missing.png` });
    const failed = await waitForStatus(conv.id, missing.id, 'failed');
    expect(failed.error).toMatchObject({ code: 'INVALID', platformCode: 'MEDIA_HTTP_404' });
  });
});

describe('cards', () => {
  it('textcard and news arrive with their payloads, titles cut to 128 bytes', async () => {
    const corp = await newCorp();
    const conv = await openConversation(corp, 'zhouba');
    const title = '年终促销活动通知'.repeat(10);
    const card = await enqueue(conv.id, { type: 'textcard', title, description: '点击查看详情', url: 'https://shop.example.com/promo', buttonText: '详情' });
    const news = await enqueue(conv.id, {
      type: 'news',
      articles: [{ title: '新品上市', description: '春季新品', url: 'https://shop.example.com/new', picUrl: 'https://shop.example.com/new.png' }],
    });
    await waitForStatus(conv.id, card.id, 'sent');
    await waitForStatus(conv.id, news.id, 'sent');
    const [c, n] = bodiesTo(corp, 'zhouba');
    const textcard = c!['textcard'] as Record<string, string>;
    expect(c!['msgtype']).toBe('textcard');
    expect(Buffer.byteLength(textcard['title']!)).toBeLessThanOrEqual(128);
    expect(textcard).toMatchObject({ description: '点击查看详情', url: 'https://shop.example.com/promo', btntxt: '详情' });
    expect(n).toMatchObject({
      msgtype: 'news',
      news: { articles: [{ title: '新品上市', description: '春季新品', url: 'https://shop.example.com/new', picurl: 'https://shop.example.com/new.png' }] },
    });
  });
});

// ---- test connection ----

interface TestResult {
  ok: boolean;
  platformCode?: string;
  message?: string;
  advice?: { zh: string; en: string };
  checkedAt: string;
}

async function testConnection(corp: Corp): Promise<TestResult> {
  const res = await app.api<TestResult>('POST', `/api/integrations/${corp.integrationId}/test`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  expect(Number.isNaN(Date.parse(res.body.checkedAt))).toBe(false);
  return res.body;
}

async function lastErrorOf(corp: Corp): Promise<IntegrationView['lastError']> {
  const res = await app.api<IntegrationView>('GET', `/api/integrations/${corp.integrationId}`, undefined, app.adminToken);
  return res.body.lastError;
}

describe('POST /api/integrations/:id/test', () => {
  it('is ok for good credentials, with a fresh gettoken each time', async () => {
    const corp = await newCorp();
    const first = await testConnection(corp);
    expect(first).toMatchObject({ ok: true });
    expect(first.advice).toBeUndefined();
    await testConnection(corp);
    expect(sim.wecom.gettokenCount(corp.corpId)).toBe(2);
    expect(callsOf(corp, 'agent/get').map((c) => c.query['agentid'])).toEqual([String(AGENT_ID), String(AGENT_ID)]);
    expect(await lastErrorOf(corp)).toBeNull();
  });

  it('40013: the CorpID is unknown', async () => {
    const corp = await newCorp({ register: false });
    const result = await testConnection(corp);
    expect(result).toMatchObject({ ok: false, platformCode: '40013' });
    expect(result.advice?.zh).toContain('企业ID错误：请核对「我的企业 → 企业信息」中的企业ID');
    expect(result.advice?.en).toContain('Corp ID is wrong');
    expect(await lastErrorOf(corp)).toMatchObject({ code: '40013' });
  });

  it('40001: the Secret is wrong', async () => {
    const corp = await newCorp({ secretOverride: 'W'.repeat(43) });
    const result = await testConnection(corp);
    expect(result).toMatchObject({ ok: false, platformCode: '40001' });
    expect(result.advice?.zh).toContain('Secret');
    expect(result.advice?.en).toContain('Secret is wrong');
  });

  it('60020: shows the egress IP to add to 企业可信IP; a later good test clears lastError', async () => {
    const corp = await newCorp();
    sim.wecom.setTrustedIpCheck(corp.corpId, '198.51.100.23');
    const blocked = await testConnection(corp);
    expect(blocked).toMatchObject({ ok: false, platformCode: '60020' });
    expect(blocked.advice?.zh).toContain('请在应用详情页「企业可信IP」中加入 198.51.100.23');
    expect(blocked.advice?.en).toContain('198.51.100.23');
    expect(await lastErrorOf(corp)).toMatchObject({ code: '60020' });

    sim.wecom.clearTrustedIpCheck(corp.corpId);
    expect(await testConnection(corp)).toMatchObject({ ok: true });
    expect(await lastErrorOf(corp)).toBeNull();
  });

  it('an AgentId of another app of the corp is reported (60011)', async () => {
    const corp = await newCorp();
    const app2 = sim.wecom.getApp(corp.corpId, AGENT_ID)!;
    // The integration's Secret now belongs to agent 1000009; AgentId 1000002 is another app.
    sim.wecom.addApp({ ...app2, agentId: 1000009 });
    sim.wecom.addApp({ ...app2, agentId: AGENT_ID, secret: 'other-secret-of-app-1000002' });
    const result = await testConnection(corp);
    expect(result).toMatchObject({ ok: false, platformCode: '60011' });
    expect(result.advice?.en).toContain('same app');
  });

  it('an unreachable API base URL gives network advice', async () => {
    const corp = await newCorp();
    const dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const put = await app.api('PUT', `/api/integrations/${corp.integrationId}`, { config: { apiBaseUrl: dead } }, app.adminToken);
    expect(put.status).toBe(200);
    const result = await testConnection(corp);
    expect(result).toMatchObject({ ok: false, platformCode: 'NETWORK' });
    expect(result.advice?.zh).toContain('无法连接');
  });

  it('is for admins only and 404s for an unknown id', async () => {
    const corp = await newCorp();
    expect((await app.api('POST', `/api/integrations/${corp.integrationId}/test`)).status).toBe(401);
    expect((await app.api('POST', `/api/integrations/00000000-0000-4000-8000-000000000000/test`, undefined, app.adminToken)).status).toBe(404);
  });
});
