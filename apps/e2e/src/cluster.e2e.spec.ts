import { io, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import type { ConversationView, DeskEvent, IntegrationView } from '@imbridge/contracts';
import { DESK_EVENT, DESK_SOCKET_PATH } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { addSimWecomIntegration, ADMIN, type Cluster, type SimWecomApp, startCluster } from './support/stack';

/**
 * The product deployed with two API processes (IMBRIDGE_ROLE=api) and two queue workers
 * (IMBRIDGE_ROLE=worker) on one database and Redis, from the built dist: desk events reach a socket
 * whichever process took the callback or did the work, and a burst of one customer's messages is
 * answered in order, one message at a time, across both workers.
 */

jest.setTimeout(180_000);

const AGENT = { username: 'cluster-agent', password: 'cluster-agent-password' };

interface SimSentMessage {
  body: { touser?: string; msgtype?: string; text?: { content?: string } };
  at: string;
}

interface TimedEvent {
  at: number;
  event: DeskEvent;
}

interface DeskClient {
  socket: Socket;
  events: TimedEvent[];
}

let cluster: Cluster;
let ds: DataSource;
let adminToken = '';
const sockets: Socket[] = [];
let app: SimWecomApp;
let integration: IntegrationView;
let agentId = '';

function connectDesk(url: string, token: string): Promise<DeskClient> {
  const socket = io(url, { path: DESK_SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  sockets.push(socket);
  const client: DeskClient = { socket, events: [] };
  socket.on(DESK_EVENT, (event: DeskEvent) => client.events.push({ at: Date.now(), event }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', reject);
  });
}

function waitForEvent(client: DeskClient, match: (e: DeskEvent) => boolean, timeoutMs = 15_000): Promise<TimedEvent> {
  return expectEventually(
    () => {
      const hit = client.events.find((t) => match(t.event));
      expect(hit).toBeDefined();
      return hit!;
    },
    { timeoutMs },
  );
}

/**
 * The simulated member writes to the app; the callback goes to API process `apiIndex`. Returns when
 * the push started (the simulator answers only after our 200, which may come after the event).
 */
async function push(apiIndex: number, fromUser: string, content: string): Promise<number> {
  const started = Date.now();
  const callbackUrl = integration.callbackUrl.replace(new URL(integration.callbackUrl).origin, cluster.apiUrls[apiIndex]!);
  const res = await cluster.sim<{ responses: { status: number }[] }>('POST', '/_sim/wecom/push', { callbackUrl, corpId: app.corpId, message: { type: 'text', fromUser, content } });
  expect(res.body.responses.map((r) => r.status)).toEqual([200]);
  return started;
}

async function repliesTo(user: string): Promise<SimSentMessage[]> {
  const res = await cluster.sim<{ messages: SimSentMessage[] }>('GET', `/_sim/wecom/messages?corpId=${app.corpId}`);
  return res.body.messages.filter((m) => m.body.touser === user && m.body.msgtype === 'text');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

beforeAll(async () => {
  cluster = await startCluster({ apis: 2, workers: 2 });
  ds = new DataSource({ type: 'postgres', url: cluster.databaseUrl });
  await ds.initialize();
  adminToken = await cluster.login(ADMIN.username, ADMIN.password);
  ({ app, integration } = await addSimWecomIntegration(cluster, adminToken, 'cluster'));
  const agentUser = await cluster.api<{ id: string }>(0, 'POST', '/api/users', { ...AGENT, role: 'agent' }, adminToken);
  expect(agentUser.status).toBe(201);
  agentId = agentUser.body.id;
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await ds?.destroy();
  await cluster?.stop();
});

it('an agent socket on API #1 hears of a callback taken by API #2 and of work done by the workers', async () => {
  const agentToken = await cluster.login(AGENT.username, AGENT.password);
  const agent = await connectDesk(cluster.apiUrls[0]!, agentToken);

  await push(1, 'cluster-user', '你好，我要转人工');
  // The handoff (a worker) puts the chat in the queue, or auto-assignment hands it to the online agent.
  const queued = await waitForEvent(agent, (e) => e.type === 'conversation.updated' && e.conversation.contact.externalId === 'cluster-user' && e.conversation.state !== 'bot');
  const conv = (queued.event as Extract<DeskEvent, { type: 'conversation.updated' }>).conversation;
  const now = await cluster.api<ConversationView>(1, 'GET', `/api/conversations/${conv.id}`, undefined, agentToken);
  if (now.body.state === 'queued') {
    // Auto-assignment may hand it to this (only online) agent first: then the claim finds it taken.
    const claim = await cluster.api(1, 'POST', `/api/conversations/${conv.id}/claim`, undefined, agentToken);
    expect([200, 409]).toContain(claim.status);
  }
  const after = await cluster.api<ConversationView>(0, 'GET', `/api/conversations/${conv.id}`, undefined, agentToken);
  expect(after.body).toMatchObject({ state: 'assigned', assigneeId: agentId });
  await waitForEvent(agent, (e) => e.type === 'conversation.updated' && e.conversation.id === conv.id && e.conversation.state === 'assigned');

  await push(1, 'cluster-user', '我的订单没到');
  const inbound = await waitForEvent(agent, (e) => e.type === 'message.created' && e.conversationId === conv.id && e.message.text === '我的订单没到');
  expect(inbound.event).toMatchObject({ message: { direction: 'in' } });

  // The reply is written through API #2 and sent by a worker; the status reaches the socket on API #1.
  const sent = await cluster.api<{ id: string }>(1, 'POST', `/api/conversations/${conv.id}/messages`, { type: 'text', text: '马上为您查询' }, agentToken);
  expect(sent.status).toBe(201);
  await waitForEvent(agent, (e) => e.type === 'message.updated' && e.message.id === sent.body.id && e.message.status === 'sent');
  await expectEventually(async () => expect((await repliesTo('cluster-user')).map((m) => m.body.text?.content)).toContain('马上为您查询'));
  expect((await cluster.api(0, 'POST', `/api/conversations/${conv.id}/close`, undefined, agentToken)).status).toBe(200);
});

it('ten rapid messages of one user are answered in order, one at a time, across both workers', async () => {
  for (let i = 0; i < 10; i++) {
    const rule = await cluster.api(0, 'POST', '/api/keyword-rules', {
      integrationId: integration.id,
      name: `echo ${i}`,
      keywords: [`第${i}条`],
      matchType: 'exact',
      reply: { type: 'text', text: `收到第${i}条` },
    }, adminToken);
    expect(rule.status).toBe(201);
  }
  // Alternating API processes, as fast as the callbacks are accepted.
  for (let i = 0; i < 10; i++) await push(i % 2, 'burst-user', `第${i}条`);

  const expected = Array.from({ length: 10 }, (_, i) => `收到第${i}条`);
  await expectEventually(async () => expect((await repliesTo('burst-user')).map((m) => m.body.text?.content)).toEqual(expected), { timeoutMs: 60_000 });

  // One at a time: each message was processed only after the previous one's reply was written.
  const rows: { text: string; processed_at: Date; reply_created_at: Date }[] = await ds.query(
    `SELECT mi.text, e.processed_at, mo.created_at AS reply_created_at
     FROM inbox_events e
     JOIN messages mi ON mi.inbox_event_id = e.id
     JOIN bot_replies b ON b.inbox_event_id::text = e.id::text
     JOIN messages mo ON mo.id = b.message_id
     JOIN contacts ct ON ct.external_id = 'burst-user' AND ct.integration_id = e.integration_id
     JOIN conversations c ON c.id = mi.conversation_id AND c.contact_id = ct.id
     ORDER BY e.id`,
  );
  expect(rows.map((r) => r.text)).toEqual(Array.from({ length: 10 }, (_, i) => `第${i}条`));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    expect(new Date(r.reply_created_at).getTime()).toBeGreaterThanOrEqual(new Date(r.processed_at).getTime());
    if (i > 0) expect(new Date(r.processed_at).getTime()).toBeGreaterThanOrEqual(new Date(rows[i - 1]!.reply_created_at).getTime());
  }
  const sentAt = (await repliesTo('burst-user')).map((m) => Date.parse(m.at));
  expect([...sentAt].sort((a, b) => a - b)).toEqual(sentAt);
});

it('desk latency: user message (callback to API #2) → event at a socket on API #1 (printed, not asserted)', async () => {
  // The admin watches as 'away', so auto-assignment leaves these chats alone.
  expect((await cluster.api(0, 'PUT', '/api/desk/presence', { status: 'away' }, adminToken)).status).toBe(200);
  const admin = await connectDesk(cluster.apiUrls[0]!, adminToken);
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const text = `延迟测试 ${i}`;
    const sentAt = await push(1, `latency-user-${i % 4}`, text);
    const got = await waitForEvent(admin, (e) => e.type === 'message.created' && e.message.text === text);
    latencies.push(got.at - sentAt);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  process.stdout.write(`\n[desk latency] WeCom callback sent to API #2 → desk event at a socket on API #1, n=${sorted.length}: p50 ${p50} ms, p95 ${p95} ms, max ${sorted[sorted.length - 1]} ms\n`);
  expect(latencies).toHaveLength(20);
  expect(latencies.every((ms) => ms >= 0)).toBe(true);
});
