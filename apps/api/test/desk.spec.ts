import { DataSource } from 'typeorm';
import { io, type Socket } from 'socket.io-client';
import type { AgentView, CannedReplyView, ContactProfileView, ConversationView, DeskEvent, MessageView } from '@imbridge/contracts';
import { DESK_EVENT, DESK_SOCKET_PATH } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { RedisService } from '../src/common/redis.service';
import { AssignmentService } from '../src/desk/assignment.service';
import { PresenceService } from '../src/realtime/presence.service';
import { DeskListeners } from '../src/realtime/desk-listeners.service';
import { DeskNotifier } from '../src/realtime/desk-notifier.service';
import { CONVERSATION_SELECT } from '../src/conversations/conversation-view';
import { FAST, newAgent as createAgent, openDataSource, type Agent, type ErrorBody } from './helpers';
import { newSimCorp, openSimConversation, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * The agent desk against the real application: socket.io clients receive the events the contract
 * promises (and agents only theirs), presence follows the sockets, auto-assignment is round-robin
 * within capacity and never gives a chat twice, plus notes, unread counts, canned replies, image
 * upload and send, and the contact profile.
 */

jest.setTimeout(60_000);

/** A 1×1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100' + '05fe02fea7d6a50000000049454e44ae426082',
  'hex',
);

/** A connected desk socket and every event it received. */
interface DeskClient {
  socket: Socket;
  events: DeskEvent[];
}

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;
let adminId = '';
const clients: DeskClient[] = [];

const newAgent = (username: string): Promise<Agent> => createAgent(app, username);

function connect(opts: { token?: string; cookie?: string; url?: string }): Promise<DeskClient> {
  const socket = io(opts.url ?? app.url, {
    path: DESK_SOCKET_PATH,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(opts.token ? { auth: { token: opts.token } } : {}),
    ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
  });
  const client: DeskClient = { socket, events: [] };
  socket.on(DESK_EVENT, (e: DeskEvent) => client.events.push(e));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      clients.push(client);
      resolve(client);
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function disconnect(client: DeskClient): Promise<void> {
  client.socket.close();
  clients.splice(clients.indexOf(client), 1);
}

function waitFor<T extends DeskEvent>(client: DeskClient, match: (e: DeskEvent) => e is T, timeoutMs?: number): Promise<T>;
function waitFor(client: DeskClient, match: (e: DeskEvent) => boolean, timeoutMs?: number): Promise<DeskEvent>;
function waitFor(client: DeskClient, match: (e: DeskEvent) => boolean, timeoutMs = 10_000): Promise<DeskEvent> {
  return expectEventually(
    async () => {
      const hit = client.events.find(match);
      expect(hit).toBeDefined();
      return hit!;
    },
    { timeoutMs },
  );
}

const convUpdate =
  (id: string, pred: (c: ConversationView) => boolean = () => true) =>
  (e: DeskEvent): e is Extract<DeskEvent, { type: 'conversation.updated' }> =>
    e.type === 'conversation.updated' && e.conversation.id === id && pred(e.conversation);
const msgEvent =
  (type: 'message.created' | 'message.updated', convId: string, pred: (m: MessageView) => boolean = () => true) =>
  (e: DeskEvent): e is Extract<DeskEvent, { type: 'message.created' | 'message.updated' }> =>
    e.type === type && e.conversationId === convId && pred(e.message);
const aboutConversation = (id: string) => (e: DeskEvent) =>
  (e.type === 'conversation.updated' && e.conversation.id === id) || ((e.type === 'message.created' || e.type === 'message.updated') && e.conversationId === id);

/** An integration whose queued chats stay in the queue (auto-assignment off), so tests do not compete. */
async function manualCorp(name: string): Promise<SimCorp> {
  const corp = await newSimCorp(app, sim, { name });
  await ds.query(
    `INSERT INTO bot_settings (integration_id, steps, auto_assign) VALUES ($1, $2::jsonb, false)
     ON CONFLICT (integration_id) DO UPDATE SET auto_assign = false`,
    [corp.integrationId, JSON.stringify([{ step: 'keyword', enabled: true }, { step: 'faq', enabled: false }, { step: 'app', enabled: false }])],
  );
  return corp;
}

async function say(corp: SimCorp, userId: string, content: string): Promise<void> {
  const pushed = await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content });
  expect(pushed.responses.map((r) => r.status)).toEqual([200]);
}

async function conversation(id: string): Promise<ConversationView> {
  const res = await app.api<ConversationView>('GET', `/api/conversations/${id}`, undefined, app.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

/** Puts a chat in the queue directly (the bot pipeline's handoff is tested elsewhere). */
async function queue(id: string): Promise<void> {
  await ds.query(`UPDATE conversations SET state = 'queued', assignee_id = NULL, queued_at = clock_timestamp() WHERE id = $1`, [id]);
}

const deliveredTexts = (corp: SimCorp, userId: string): string[] =>
  sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId && m.body['msgtype'] === 'text')
    .map((m) => (m.body['text'] as { content: string }).content);

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
  ds = await openDataSource(app);
  adminId = (await ds.query(`SELECT id FROM users WHERE username = 'admin'`))[0].id;
});
afterEach(async () => {
  for (const c of [...clients]) await disconnect(c);
  // Nobody stays online into the next test (auto-assignment would pick them).
  await expectEventually(async () => {
    const agents = await app.api<AgentView[]>('GET', '/api/desk/agents', undefined, app.adminToken);
    expect(agents.body.filter((a) => a.status !== 'offline').map((a) => a.username)).toEqual([]);
  });
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

describe('socket handshake', () => {
  it('refuses a socket without a valid session, accepts a token or the session cookie', async () => {
    await expect(connect({})).rejects.toThrow(/login required/);
    await expect(connect({ token: 'not-a-token' })).rejects.toThrow(/login required/);
    const byToken = await connect({ token: app.adminToken });
    expect(byToken.socket.connected).toBe(true);
    const byCookie = await connect({ cookie: `imbridge_session=${app.adminToken}` });
    expect(byCookie.socket.connected).toBe(true);
  });

  it('refuses a disabled user even with a valid token', async () => {
    const agent = await newAgent('desk-disabled');
    await ds.query('UPDATE users SET disabled = true WHERE id = $1', [agent.id]);
    await expect(connect({ token: agent.token })).rejects.toThrow(/login required/);
  });
});

describe('events', () => {
  it('inbound message, handoff, claim and reply status reach the desk', async () => {
    const corp = await manualCorp('events');
    const admin = await connect({ token: app.adminToken });
    const agent = await newAgent('desk-ev-agent');
    const agentClient = await connect({ token: agent.token });

    const conv = await openSimConversation(app, sim, corp, 'ev-user', '你好');
    const inbound = await waitFor(admin, msgEvent('message.created', conv.id, (m) => m.direction === 'in' && m.text === '你好'));
    expect(inbound.message).toMatchObject({ conversationId: conv.id, type: 'text', status: 'received', authorId: null });
    await waitFor(admin, convUpdate(conv.id, (c) => c.lastMessagePreview === '你好'));
    // A chat with the bot is not the agents' business.
    expect(agentClient.events.filter(aboutConversation(conv.id))).toEqual([]);

    await say(corp, 'ev-user', '转人工');
    const queued = await waitFor(agentClient, convUpdate(conv.id, (c) => c.state === 'queued'));
    expect(queued.conversation.queuedAt).not.toBeNull();
    await waitFor(admin, convUpdate(conv.id, (c) => c.state === 'queued'));

    const claim = await app.api<ConversationView>('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token);
    expect(claim.status).toBe(200);
    await waitFor(agentClient, convUpdate(conv.id, (c) => c.state === 'assigned' && c.assigneeId === agent.id));
    await waitFor(admin, convUpdate(conv.id, (c) => c.state === 'assigned'));
    // The agent's active chat count changed: presence.updated for everyone.
    await waitFor(admin, (e) => e.type === 'presence.updated' && e.agent.id === agent.id && e.agent.activeChats === 1);

    const sent = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { type: 'text', text: '您好，我是客服' }, agent.token);
    expect(sent.status).toBe(201);
    const created = await waitFor(agentClient, msgEvent('message.created', conv.id, (m) => m.id === sent.body.id));
    expect(created.message).toMatchObject({ direction: 'out', authorId: agent.id, text: '您好，我是客服' });
    const delivered = await waitFor(agentClient, msgEvent('message.updated', conv.id, (m) => m.id === sent.body.id && m.status === 'sent'));
    expect(delivered.message.sentAt).not.toBeNull();
    expect(deliveredTexts(corp, 'ev-user')).toContain('您好，我是客服');
  });

  it("an agent receives nothing of a chat assigned to another agent; the previous assignee hears of a transfer", async () => {
    const corp = await manualCorp('routing');
    const a = await newAgent('desk-route-a');
    const b = await newAgent('desk-route-b');
    const admin = await connect({ token: app.adminToken });
    const ca = await connect({ token: a.token });
    const cb = await connect({ token: b.token });

    const conv = await openSimConversation(app, sim, corp, 'route-user', '在吗');
    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, b.token)).status).toBe(200);
    await waitFor(cb, convUpdate(conv.id, (c) => c.assigneeId === b.id));
    await say(corp, 'route-user', '我的订单有问题');
    await waitFor(cb, msgEvent('message.created', conv.id, (m) => m.text === '我的订单有问题'));
    await waitFor(admin, msgEvent('message.created', conv.id, (m) => m.text === '我的订单有问题'));
    const reply = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { text: '请提供订单号' }, b.token);
    await waitFor(cb, msgEvent('message.updated', conv.id, (m) => m.id === reply.body.id && m.status === 'sent'));
    await new Promise((r) => setTimeout(r, 300));
    expect(ca.events.filter(aboutConversation(conv.id))).toEqual([]);

    // Transfer b → a: a now gets it, and b gets the update that takes it away.
    expect((await app.api('POST', `/api/conversations/${conv.id}/transfer`, { userId: a.id }, app.adminToken)).status).toBe(200);
    await waitFor(ca, convUpdate(conv.id, (c) => c.assigneeId === a.id));
    await waitFor(cb, convUpdate(conv.id, (c) => c.assigneeId === a.id));
    const bCount = cb.events.length;
    await say(corp, 'route-user', '订单号 12345');
    await waitFor(ca, msgEvent('message.created', conv.id, (m) => m.text === '订单号 12345'));
    await waitFor(admin, msgEvent('message.created', conv.id, (m) => m.text === '订单号 12345'));
    await new Promise((r) => setTimeout(r, 300));
    expect(cb.events.slice(bCount).filter(aboutConversation(conv.id))).toEqual([]);
  });
});

describe('REST rules of the desk', () => {
  it('agents see the queue and their own chats; the queue is oldest first', async () => {
    const corp = await manualCorp('lists');
    const agent = await newAgent('desk-list-agent');
    const other = await newAgent('desk-list-other');
    const c1 = await openSimConversation(app, sim, corp, 'list-1');
    const c2 = await openSimConversation(app, sim, corp, 'list-2');
    const c3 = await openSimConversation(app, sim, corp, 'list-3');
    const c4 = await openSimConversation(app, sim, corp, 'list-4');
    await queue(c2.id);
    await queue(c1.id); // queued after c2
    await ds.query(`UPDATE conversations SET state = 'assigned', assignee_id = $2 WHERE id = $1`, [c3.id, agent.id]);
    await ds.query(`UPDATE conversations SET state = 'assigned', assignee_id = $2 WHERE id = $1`, [c4.id, other.id]);

    const ids = async (query: string, token: string): Promise<string[]> => {
      const res = await app.api<ConversationView[]>('GET', `/api/conversations?integrationId=${corp.integrationId}${query}`, undefined, token);
      expect(res.status).toBe(200);
      return res.body.map((c) => c.id);
    };
    expect(await ids('&view=queue', agent.token)).toEqual([c2.id, c1.id]);
    expect(await ids('&view=mine', agent.token)).toEqual([c3.id]);
    expect(await ids('&assignee=me', agent.token)).toEqual([c3.id]);
    expect((await ids('&view=all', agent.token)).sort()).toEqual([c1.id, c2.id, c3.id].sort());
    expect((await ids('', agent.token)).sort()).toEqual([c1.id, c2.id, c3.id].sort());
    expect((await ids('&view=all', app.adminToken)).sort()).toEqual([c1.id, c2.id, c3.id, c4.id].sort());
    const bad = await app.api<ErrorBody>('GET', '/api/conversations?view=everything', undefined, agent.token);
    expect(bad.status).toBe(400);
  });

  it("sending: an agent to another's chat is 403, to a queued or bot chat 409 (claim first); an admin may write anywhere", async () => {
    const corp = await manualCorp('send-rules');
    const agent = await newAgent('desk-send-agent');
    const other = await newAgent('desk-send-other');
    const conv = await openSimConversation(app, sim, corp, 'send-user');

    const botChat = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/messages`, { text: 'hi' }, agent.token);
    expect(botChat.status).toBe(409);
    expect(botChat.body).toMatchObject({ code: 'CLAIM_FIRST', messageZh: expect.stringContaining('接入') });
    await queue(conv.id);
    expect((await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/messages`, { text: 'hi' }, agent.token)).body.code).toBe('CLAIM_FIRST');

    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, other.token)).status).toBe(200);
    const notMine = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/messages`, { text: 'hi' }, agent.token);
    expect(notMine.status).toBe(403);
    expect(notMine.body).toMatchObject({ code: 'NOT_YOUR_CHAT', messageZh: expect.stringContaining('其他客服') });
    expect((await app.api('POST', `/api/conversations/${conv.id}/messages`, { text: '管理员插话' }, app.adminToken)).status).toBe(201);
    expect((await app.api('POST', `/api/conversations/${conv.id}/messages`, { text: '我来回复' }, other.token)).status).toBe(201);
    await expectEventually(async () => expect(deliveredTexts(corp, 'send-user')).toEqual(['管理员插话', '我来回复']));
  });

  it("transfer and close: an agent only for their own chat (closing a queued one is allowed); admins any", async () => {
    const corp = await manualCorp('own-rules');
    const owner = await newAgent('desk-own-owner');
    const other = await newAgent('desk-own-other');
    const conv = await openSimConversation(app, sim, corp, 'own-user');
    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, owner.token)).status).toBe(200);

    const transfer = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/transfer`, { userId: other.id }, other.token);
    expect(transfer.status).toBe(403);
    expect(transfer.body).toMatchObject({ code: 'NOT_YOUR_CHAT', messageZh: expect.stringContaining('转接') });
    const close = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/close`, undefined, other.token);
    expect(close.status).toBe(403);
    expect((await conversation(conv.id)).assigneeId).toBe(owner.id);

    expect((await app.api('POST', `/api/conversations/${conv.id}/transfer`, { userId: other.id }, owner.token)).status).toBe(200);
    expect((await app.api('POST', `/api/conversations/${conv.id}/close`, undefined, owner.token)).status).toBe(403);
    expect((await app.api('POST', `/api/conversations/${conv.id}/close`, undefined, other.token)).status).toBe(200);

    const second = await openSimConversation(app, sim, corp, 'own-user-2');
    await queue(second.id);
    expect((await app.api('POST', `/api/conversations/${second.id}/close`, undefined, owner.token)).status).toBe(200);
  });

  it('messages: the newest page oldest-first, and `before` pages back through older history', async () => {
    const corp = await manualCorp('history');
    const conv = await openSimConversation(app, sim, corp, 'history-user', 'm00');
    const base = Date.now() - 3_600_000;
    for (let i = 1; i < 25; i++) {
      await ds.query(`INSERT INTO messages (conversation_id, integration_id, direction, type, text, status, created_at) VALUES ($1, $2, 'in', 'text', $3, 'received', $4)`, [
        conv.id,
        corp.integrationId,
        `m${String(i).padStart(2, '0')}`,
        new Date(base + i * 1000),
      ]);
    }
    type Msg = { id: string; text: string };
    const page = await app.api<Msg[]>('GET', `/api/conversations/${conv.id}/messages?limit=10`, undefined, app.adminToken);
    // The first message ('m00', stored just now) is the newest; the inserted ones are an hour old.
    expect(page.body.map((m) => m.text)).toEqual(['m16', 'm17', 'm18', 'm19', 'm20', 'm21', 'm22', 'm23', 'm24', 'm00']);
    const older = await app.api<Msg[]>('GET', `/api/conversations/${conv.id}/messages?limit=10&before=${page.body[0]!.id}`, undefined, app.adminToken);
    expect(older.body.map((m) => m.text)).toEqual(['m06', 'm07', 'm08', 'm09', 'm10', 'm11', 'm12', 'm13', 'm14', 'm15']);
    const oldest = await app.api<Msg[]>('GET', `/api/conversations/${conv.id}/messages?limit=10&before=${older.body[0]!.id}`, undefined, app.adminToken);
    expect(oldest.body.map((m) => m.text)).toEqual(['m01', 'm02', 'm03', 'm04', 'm05']);
    expect((await app.api('GET', `/api/conversations/${conv.id}/messages?before=nope`, undefined, app.adminToken)).status).toBe(400);
  });

  it('notes are stored among the messages, announced, and never sent', async () => {
    const corp = await manualCorp('notes');
    const agent = await newAgent('desk-note-agent');
    const conv = await openSimConversation(app, sim, corp, 'note-user');
    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token)).status).toBe(200);
    const client = await connect({ token: agent.token });

    const note = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/notes`, { text: '老客户，注意语气' }, agent.token);
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ direction: 'note', text: '老客户，注意语气', authorId: agent.id, conversationId: conv.id });
    await waitFor(client, msgEvent('message.created', conv.id, (m) => m.id === note.body.id && m.direction === 'note'));
    const empty = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/notes`, { text: '' }, agent.token);
    expect(empty.status).toBe(400);

    // A reply written after the note arrives; the note never does.
    const reply = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { text: '您好' }, agent.token);
    await waitFor(client, msgEvent('message.updated', conv.id, (m) => m.id === reply.body.id && m.status === 'sent'));
    expect(deliveredTexts(corp, 'note-user')).toEqual(['您好']);
    const all = await app.api<MessageView[]>('GET', `/api/conversations/${conv.id}/messages`, undefined, agent.token);
    expect(all.body.map((m) => m.direction)).toEqual(['in', 'note', 'out']);
  });

  it('unread count goes up on inbound messages while agents own the chat, and /read resets it', async () => {
    const corp = await manualCorp('unread');
    const agent = await newAgent('desk-unread-agent');
    const conv = await openSimConversation(app, sim, corp, 'unread-user', '第一条');
    expect((await conversation(conv.id)).unreadCount).toBe(0); // with the bot: nobody to read it
    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token)).status).toBe(200);
    const client = await connect({ token: agent.token });

    await say(corp, 'unread-user', '第二条');
    await say(corp, 'unread-user', '第三条');
    await waitFor(client, convUpdate(conv.id, (c) => c.unreadCount === 2));
    expect((await conversation(conv.id)).unreadCount).toBe(2);

    const read = await app.api('POST', `/api/conversations/${conv.id}/read`, undefined, agent.token);
    expect(read.status).toBe(204);
    expect((await conversation(conv.id)).unreadCount).toBe(0);
    await waitFor(client, (e) => convUpdate(conv.id, (c) => c.unreadCount === 0)(e) && client.events.indexOf(e) > 0);
  });
});

describe('presence', () => {
  it('online while a socket is connected, away when chosen, offline after the last socket disconnects', async () => {
    const agent = await newAgent('desk-presence');
    const admin = await connect({ token: app.adminToken });
    const statusOf = async (): Promise<AgentView | undefined> =>
      (await app.api<AgentView[]>('GET', '/api/desk/agents', undefined, app.adminToken)).body.find((a) => a.id === agent.id);

    expect(await statusOf()).toMatchObject({ status: 'offline', role: 'agent', capacity: 5, activeChats: 0 });
    const chosen = await app.api<AgentView>('PUT', '/api/desk/presence', { status: 'online' }, agent.token);
    expect(chosen.body.status).toBe('offline'); // no console connected

    const first = await connect({ token: agent.token });
    await waitFor(admin, (e) => e.type === 'presence.updated' && e.agent.id === agent.id && e.agent.status === 'online');
    expect((await statusOf())?.status).toBe('online');
    const second = await connect({ token: agent.token });

    const away = await app.api<AgentView>('PUT', '/api/desk/presence', { status: 'away' }, agent.token);
    expect(away.body.status).toBe('away');
    await waitFor(admin, (e) => e.type === 'presence.updated' && e.agent.id === agent.id && e.agent.status === 'away');
    expect((await app.api<ErrorBody>('PUT', '/api/desk/presence', { status: 'offline' }, agent.token)).status).toBe(400);

    await disconnect(first);
    await new Promise((r) => setTimeout(r, 200));
    expect((await statusOf())?.status).toBe('away'); // one tab still open
    const before = admin.events.length;
    await disconnect(second);
    await waitFor(admin, (e) => e.type === 'presence.updated' && e.agent.id === agent.id && e.agent.status === 'offline' && admin.events.indexOf(e) >= before);
    expect((await statusOf())?.status).toBe('offline');
    await app.api('PUT', '/api/desk/presence', { status: 'online' }, agent.token);
  });

  it("a crashed process's sockets stop counting once their entries expire, and the sweep clears them", async () => {
    const agent = await newAgent('desk-ghost');
    const admin = await connect({ token: app.adminToken });
    const redis = app.running.app.get(RedisService);
    // What a process that died without disconnecting leaves behind: an entry nobody refreshes.
    await redis.client.zadd(redis.key('desk', 'sockets', agent.id), Date.now() + 700, 'ghost-socket');
    await redis.client.sadd(redis.key('desk', 'present'), agent.id);
    const statusOf = async (): Promise<string | undefined> =>
      (await app.api<AgentView[]>('GET', '/api/desk/agents', undefined, app.adminToken)).body.find((a) => a.id === agent.id)?.status;
    expect(await statusOf()).toBe('online');
    await expectEventually(async () => expect(await statusOf()).toBe('offline'), { timeoutMs: 5_000 });
    // The heartbeat's sweep (run here rather than waiting for its interval; it may have run already).
    await app.running.app.get(PresenceService).prune();
    expect(await redis.client.zcard(redis.key('desk', 'sockets', agent.id))).toBe(0);
    expect(await redis.client.sismember(redis.key('desk', 'present'), agent.id)).toBe(0);
    expect(admin.socket.connected).toBe(true);
  });

  it('capacity is set by admins only, within 0..100', async () => {
    const agent = await newAgent('desk-capacity');
    const set = await app.api<AgentView>('PUT', `/api/desk/agents/${agent.id}`, { capacity: 7 }, app.adminToken);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: agent.id, capacity: 7 });
    expect((await app.api('PUT', `/api/desk/agents/${agent.id}`, { capacity: 101 }, app.adminToken)).status).toBe(400);
    expect((await app.api('PUT', `/api/desk/agents/${agent.id}`, { capacity: 3 }, agent.token)).status).toBe(403);
    const audit = await ds.query(`SELECT details FROM audit_log WHERE action = 'user.capacity' AND target_id = $1`, [agent.id]);
    expect(audit.map((r: { details: unknown }) => r.details)).toEqual([{ from: 5, to: 7 }]);
  });
});

describe('auto-assignment', () => {
  it('round-robin within capacity: 3 agents × 1, 4 queued chats → one each, the newest waits; a close assigns it', async () => {
    const corp = await newSimCorp(app, sim, { name: 'auto' });
    const agents = [await newAgent('desk-rr-1'), await newAgent('desk-rr-2'), await newAgent('desk-rr-3')];
    for (const a of agents) expect((await app.api('PUT', `/api/desk/agents/${a.id}`, { capacity: 1 }, app.adminToken)).status).toBe(200);
    const convs: ConversationView[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await openSimConversation(app, sim, corp, `rr-user-${i}`);
      await queue(c.id);
      convs.push(c);
    }
    // Admins take chats too while online: this admin watches as 'away'.
    await app.api('PUT', '/api/desk/presence', { status: 'away' }, app.adminToken);
    const admin = await connect({ token: app.adminToken });
    for (const a of agents) await connect({ token: a.token });

    const states = async (): Promise<ConversationView[]> => Promise.all(convs.map((c) => conversation(c.id)));
    const after = await expectEventually(async () => {
      const now = await states();
      expect(now.slice(0, 3).every((c) => c.state === 'assigned')).toBe(true);
      return now;
    });
    await app.running.app.get(AssignmentService).idle();
    const final = await states();
    expect(final[3]!.state).toBe('queued');
    expect(after.slice(0, 3).map((c) => c.assigneeId).sort()).toEqual(agents.map((a) => a.id).sort());
    await waitFor(admin, convUpdate(convs[0]!.id, (c) => c.state === 'assigned'));
    const audit = await ds.query(`SELECT target_id, actor_id FROM audit_log WHERE action = 'conversation.assign' AND target_id = ANY($1::text[])`, [convs.map((c) => c.id)]);
    expect(audit).toHaveLength(3);
    expect(audit.every((r: { actor_id: string | null }) => r.actor_id === null)).toBe(true);

    // Closing a chat frees its agent's capacity: the waiting chat goes to them.
    const freed = final[1]!;
    const freedAgent = agents.find((a) => a.id === freed.assigneeId)!;
    expect((await app.api('POST', `/api/conversations/${freed.id}/close`, undefined, freedAgent.token)).status).toBe(200);
    await expectEventually(async () => expect(await conversation(convs[3]!.id)).toMatchObject({ state: 'assigned', assigneeId: freedAgent.id }));
    await app.api('PUT', '/api/desk/presence', { status: 'online' }, app.adminToken);
  });

  it('the oldest queued chat goes to the user assigned longest ago; offline and away users get none', async () => {
    const corp = await newSimCorp(app, sim, { name: 'order' });
    const [x, y, away, offline] = [await newAgent('desk-order-x'), await newAgent('desk-order-y'), await newAgent('desk-order-away'), await newAgent('desk-order-off')];
    await ds.query(`UPDATE users SET last_assigned_at = now() - interval '1 hour' WHERE id = $1`, [y.id]);
    await ds.query(`UPDATE users SET last_assigned_at = now() - interval '2 hours' WHERE id = $1`, [x.id]);
    await ds.query(`UPDATE users SET capacity = 0 WHERE id = ANY($1::uuid[])`, [[x.id, y.id]]);
    const convs: ConversationView[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await openSimConversation(app, sim, corp, `order-user-${i}`);
      await queue(c.id);
      convs.push(c);
    }
    await app.api('PUT', '/api/desk/presence', { status: 'away' }, away.token);
    await connect({ token: away.token });
    await connect({ token: x.token });
    await connect({ token: y.token });
    void offline;
    await app.running.app.get(AssignmentService).idle();
    expect((await conversation(convs[0]!.id)).state).toBe('queued'); // capacity 0: nobody takes any
    // Both get room at once (one without a trigger, the other through the API, which triggers a run).
    await ds.query('UPDATE users SET capacity = 5 WHERE id = $1', [x.id]);
    expect((await app.api('PUT', `/api/desk/agents/${y.id}`, { capacity: 5 }, app.adminToken)).status).toBe(200);
    await expectEventually(async () => {
      const now = await Promise.all(convs.map((c) => conversation(c.id)));
      expect(now.map((c) => c.assigneeId)).toEqual([x.id, y.id, x.id]);
    });
    await app.api('PUT', '/api/desk/presence', { status: 'online' }, away.token);
  });

  it('concurrent runs (two application instances) never give a chat twice nor exceed capacity', async () => {
    const corp = await newSimCorp(app, sim, { name: 'race' });
    const agents = [await newAgent('desk-race-1'), await newAgent('desk-race-2')];
    for (const a of agents) await ds.query('UPDATE users SET capacity = 0 WHERE id = $1', [a.id]);
    for (const a of agents) await connect({ token: a.token });
    const convs: ConversationView[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await openSimConversation(app, sim, corp, `race-user-${i}`);
      await queue(c.id);
      convs.push(c);
    }
    const second = await startTestApp(FAST, { databaseUrl: app.databaseUrl, env: app.env });
    try {
      await ds.query('UPDATE users SET capacity = 2 WHERE id = ANY($1::uuid[])', [agents.map((a) => a.id)]);
      const one = app.running.app.get(AssignmentService);
      const two = second.running.app.get(AssignmentService);
      const counts = await Promise.all([one.runOnce(), two.runOnce(), one.runOnce(), two.runOnce()]);
      await one.idle();
      await two.idle();
      expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4);
      const rows: { state: string; assignee_id: string | null }[] = await ds.query('SELECT state, assignee_id FROM conversations WHERE id = ANY($1::uuid[])', [convs.map((c) => c.id)]);
      expect(rows.filter((r) => r.state === 'assigned')).toHaveLength(4);
      for (const a of agents) expect(rows.filter((r) => r.assignee_id === a.id)).toHaveLength(2);
      const audit: { target_id: string; n: number }[] = await ds.query(
        `SELECT target_id, count(*)::int AS n FROM audit_log WHERE action = 'conversation.assign' AND target_id = ANY($1::text[]) GROUP BY target_id`,
        [convs.map((c) => c.id)],
      );
      expect(audit).toHaveLength(4);
      expect(audit.every((r) => r.n === 1)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe('canned replies', () => {
  it('CRUD for admins, read for agents, shortcut validated and unique, audit-logged', async () => {
    const agent = await newAgent('desk-canned');
    const created = await app.api<CannedReplyView>('POST', '/api/canned-replies', { shortcut: 'hours', title: '营业时间', text: '工作日 9:00-18:00' }, app.adminToken);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ shortcut: 'hours', title: '营业时间', text: '工作日 9:00-18:00' });
    const dup = await app.api<ErrorBody>('POST', '/api/canned-replies', { shortcut: 'hours', text: 'x' }, app.adminToken);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'SHORTCUT_TAKEN', messageZh: expect.stringContaining('/hours') });
    for (const shortcut of ['has space', '', 'x'.repeat(33), '中文']) {
      expect((await app.api('POST', '/api/canned-replies', { shortcut, text: 'x' }, app.adminToken)).status).toBe(400);
    }
    expect((await app.api('POST', '/api/canned-replies', { shortcut: 'ok', text: '' }, app.adminToken)).status).toBe(400);
    expect((await app.api('POST', '/api/canned-replies', { shortcut: 'mine', text: 'x' }, agent.token)).status).toBe(403);

    const other = await app.api<CannedReplyView>('POST', '/api/canned-replies', { shortcut: 'thanks_1', text: '感谢您的耐心' }, app.adminToken);
    expect(other.status).toBe(201);
    const list = await app.api<CannedReplyView[]>('GET', '/api/canned-replies', undefined, agent.token);
    expect(list.status).toBe(200);
    expect(list.body.map((r) => r.shortcut)).toEqual(['hours', 'thanks_1']);

    const renamed = await app.api<CannedReplyView>('PUT', `/api/canned-replies/${other.body.id}`, { shortcut: 'thanks', text: '感谢！' }, app.adminToken);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ shortcut: 'thanks', text: '感谢！' });
    expect((await app.api('PUT', `/api/canned-replies/${other.body.id}`, { shortcut: 'hours' }, app.adminToken)).status).toBe(409);
    expect((await app.api('PUT', `/api/canned-replies/${other.body.id}`, { text: 'x' }, agent.token)).status).toBe(403);
    expect((await app.api('DELETE', `/api/canned-replies/${created.body.id}`, undefined, app.adminToken)).status).toBe(204);
    expect((await app.api('DELETE', `/api/canned-replies/${created.body.id}`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api<CannedReplyView[]>('GET', '/api/canned-replies', undefined, agent.token)).body.map((r) => r.shortcut)).toEqual(['thanks']);
    const audit: { action: string }[] = await ds.query(`SELECT action FROM audit_log WHERE action LIKE 'canned_reply.%' ORDER BY id`);
    expect(audit.map((r) => r.action)).toEqual(['canned_reply.create', 'canned_reply.create', 'canned_reply.update', 'canned_reply.delete']);
  });
});

describe('images', () => {
  async function upload(body: Buffer, contentType: string, token: string, fileName?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${app.url}/api/media/upload${fileName ? `?fileName=${encodeURIComponent(fileName)}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
      body: new Uint8Array(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('an uploaded image is checked by its bytes, served back, and sent to the platform as an image', async () => {
    const corp = await manualCorp('image');
    const agent = await newAgent('desk-image');
    const conv = await openSimConversation(app, sim, corp, 'image-user');
    expect((await app.api('POST', `/api/conversations/${conv.id}/claim`, undefined, agent.token)).status).toBe(200);

    const notImage = await upload(Buffer.from('this is text, not a png'), 'image/png', agent.token);
    expect(notImage.status).toBe(400);
    expect(notImage.body).toMatchObject({ code: 'NOT_AN_IMAGE' });
    expect((await upload(PNG, 'image/jpeg', agent.token)).status).toBe(400); // bytes and type disagree
    expect((await upload(Buffer.from('<svg/>'), 'image/svg+xml', agent.token)).status).toBe(415);

    const up = await upload(PNG, 'image/png', agent.token, '截图.png');
    expect(up.status).toBe(201);
    expect(up.body).toEqual({ id: expect.any(String), contentType: 'image/png', size: PNG.length, fileName: '截图.png' });
    const served = await fetch(`${app.url}/api/media/${String(up.body['id'])}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);

    const badRef = await app.api<ErrorBody>('POST', `/api/conversations/${conv.id}/messages`, { type: 'image', mediaId: conv.id }, agent.token);
    expect(badRef.status).toBe(400);
    const sent = await app.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { type: 'image', mediaId: up.body['id'] }, agent.token);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ type: 'image', direction: 'out', content: { type: 'image', mediaFileId: up.body['id'] } });
    await expectEventually(async () => {
      const msgs = await app.api<MessageView[]>('GET', `/api/conversations/${conv.id}/messages`, undefined, agent.token);
      expect(msgs.body.find((m) => m.id === sent.body.id)?.status).toBe('sent');
    });
    const uploaded = sim.wecom.listMedia(corp.corpId).filter((m) => m.source === 'upload');
    expect(uploaded).toHaveLength(1);
    expect(uploaded[0]!.bytes.equals(PNG)).toBe(true);
    expect(uploaded[0]).toMatchObject({ type: 'image', contentType: 'image/png' });
    const images = sim.wecom.sentMessages(corp.corpId).filter((m) => m.body['touser'] === 'image-user' && m.body['msgtype'] === 'image');
    expect(images.map((m) => m.body['image'])).toEqual([{ media_id: uploaded[0]!.mediaId }]);
  });
});

describe('contact profile', () => {
  it('shows every conversation of the same external id across integrations, with message counts', async () => {
    const first = await manualCorp('profile-a');
    const second = await manualCorp('profile-b');
    const c1 = await openSimConversation(app, sim, first, 'profile-user', '第一次咨询');
    await say(first, 'profile-user', '还有一个问题');
    const c2 = await openSimConversation(app, sim, second, 'profile-user', '另一个渠道');
    await openSimConversation(app, sim, first, 'someone-else');
    await expectEventually(async () => {
      const res = await app.api<MessageView[]>('GET', `/api/conversations/${c1.id}/messages`, undefined, app.adminToken);
      expect(res.body.filter((m) => m.direction === 'in')).toHaveLength(2);
    });
    await app.api('POST', `/api/conversations/${c1.id}/notes`, { text: 'not counted' }, app.adminToken);

    const agent = await newAgent('desk-profile');
    const res = await app.api<ContactProfileView>('GET', `/api/contacts/${c1.contact.id}`, undefined, agent.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: c1.contact.id, integrationId: first.integrationId, externalId: 'profile-user', messageCount: 3, inboundMessageCount: 3 });
    expect(res.body.conversations.map((c) => c.id).sort()).toEqual([c1.id, c2.id].sort());
    expect(Date.parse(res.body.firstSeenAt)).not.toBeNaN();
    expect((await app.api('GET', `/api/contacts/${adminId}`, undefined, agent.token)).status).toBe(404);
    expect((await app.api('GET', '/api/contacts/nope', undefined, agent.token)).status).toBe(404);
  });
});

describe('an administrator grants an agent every chat', () => {
  it("brings every chat's events to the agent's open console at once, and a revoke takes them away", async () => {
    const corp = await manualCorp('grant');
    const a = await newAgent('grant-holder');
    const s = await newAgent('grant-supervisor');
    await say(corp, 'grant-user', '你好');
    const convId = await expectEventually(async () => {
      const rows: { id: string }[] = await ds.query(
        `SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE ct.external_id = 'grant-user' AND c.integration_id = $1`,
        [corp.integrationId],
      );
      expect(rows).toHaveLength(1);
      return rows[0]!.id;
    });
    await ds.query(`UPDATE conversations SET state = 'assigned', assignee_id = $2, queued_at = NULL WHERE id = $1`, [convId, a.id]);
    const supervisor = await connect({ token: s.token });
    const stored = (text: string) =>
      expectEventually(async () => expect(await ds.query(`SELECT 1 FROM messages WHERE conversation_id = $1 AND text = $2`, [convId, text])).toHaveLength(1));
    const heard = (text: string) => supervisor.events.some(msgEvent('message.created', convId, (m) => m.text === text));

    await say(corp, 'grant-user', '第一条');
    await stored('第一条');
    await new Promise((r) => setTimeout(r, 300));
    expect(heard('第一条')).toBe(false);

    expect((await app.api('PUT', `/api/desk/agents/${s.id}`, { canViewAllChats: true }, app.adminToken)).status).toBe(200);
    await say(corp, 'grant-user', '第二条');
    await waitFor(supervisor, msgEvent('message.created', convId, (m) => m.text === '第二条'));

    expect((await app.api('PUT', `/api/desk/agents/${s.id}`, { canViewAllChats: false }, app.adminToken)).status).toBe(200);
    await say(corp, 'grant-user', '第三条');
    await stored('第三条');
    await new Promise((r) => setTimeout(r, 300));
    expect(heard('第三条')).toBe(false);
  });
});

describe('nobody at the desk', () => {
  it('builds no desk events while no console is connected anywhere, and a console that connects gets the next ones', async () => {
    const corp = await manualCorp('nobody');
    const listeners = app.running.app.get(DeskListeners);
    // afterEach closed every socket: once that is known, events are skipped.
    await expectEventually(async () => expect(listeners.anyone).toBe(false));
    const appDs = app.running.app.get(DataSource);
    const spy = jest.spyOn(appDs, 'query');
    try {
      await say(corp, 'nobody-user', '有人吗');
      const convId = await expectEventually(async () => {
        const rows: { id: string }[] = await ds.query(
          `SELECT m.conversation_id AS id FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
           WHERE ct.external_id = 'nobody-user' AND c.integration_id = $1 AND m.text = '有人吗'`,
          [corp.integrationId],
        );
        expect(rows).toHaveLength(1);
        return rows[0]!.id;
      });
      await app.running.app.get(DeskNotifier).flush();
      // The desk's reads (the conversation view, the message's chat) were never made.
      const deskReads = spy.mock.calls.filter(([sql]) => String(sql).includes(CONVERSATION_SELECT) || String(sql).startsWith('SELECT state, assignee_id FROM conversations'));
      expect(deskReads).toEqual([]);

      const admin = await connect({ token: app.adminToken });
      expect(listeners.anyone).toBe(true);
      await say(corp, 'nobody-user', '现在有人了');
      await waitFor(admin, msgEvent('message.created', convId, (m) => m.text === '现在有人了'));
    } finally {
      spy.mockRestore();
    }
  });
});
