import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import type { ConversationView, MessageView } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { newAgent, type Agent } from './helpers';
import { newSimCorp, openSimConversation, type SimCorp } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * Object-level access, probed as an attacker would: agent B takes every route of the API that has a
 * path parameter — read from the running API's own OpenAPI document, so a new endpoint cannot be
 * forgotten — and points it at agent A's chat, its messages, its contact and its media. Every answer
 * must be 403 or 404, and nothing may change.
 */

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** Valid bodies for the routes an agent may call at all, so that validation (400) does not answer before access does. */
const BODIES: Record<string, unknown> = {
  'POST /api/conversations/{id}/messages': { type: 'text', text: 'probe' },
  'POST /api/conversations/{id}/notes': { text: 'probe' },
  'POST /api/conversations/{id}/transfer': { userId: '__B__' },
};

let app: TestApp;
let sim: PlatformSim;
let corp: SimCorp;
let a: Agent;
let b: Agent;
let chat: ConversationView;
let fileId: string;
let messageId: string;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp();
  corp = await newSimCorp(app, sim, { name: 'access' });
  a = await newAgent(app, 'access-a');
  b = await newAgent(app, 'access-b');
  chat = await openSimConversation(app, sim, corp, 'access-customer', '你好');
  expect((await app.api('POST', `/api/conversations/${chat.id}/claim`, undefined, a.token)).status).toBe(200);
  const upload = await fetch(`${app.url}/api/media/upload?fileName=a.png`, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'image/png' }, body: PNG });
  expect(upload.status).toBe(201);
  fileId = ((await upload.json()) as { id: string }).id;
  const sent = await app.api<MessageView>('POST', `/api/conversations/${chat.id}/messages`, { type: 'image', mediaId: fileId }, a.token);
  expect(sent.status).toBe(201);
  // Delivered before the probes start: the snapshots compared around them must not see it move on its own.
  await expectEventually(async () => {
    const msgs = await app.api<MessageView[]>('GET', `/api/conversations/${chat.id}/messages`, undefined, a.token);
    expect(msgs.body.find((m) => m.id === sent.body.id)?.status).toBe('sent');
  });
  const note = await app.api<MessageView>('POST', `/api/conversations/${chat.id}/notes`, { text: "A's note" }, a.token);
  expect(note.status).toBe(201);
  messageId = note.body.id;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sim?.close();
});

interface Route {
  method: string;
  path: string;
}

async function idRoutes(): Promise<Route[]> {
  const res = await fetch(`${app.url}/api/docs/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/') || !path.includes('{')) continue;
    for (const method of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method.toUpperCase(), path });
  }
  return routes;
}

/** A's object for each path parameter, by where it appears. */
function fill(path: string): string {
  return path
    .replace(/\/api\/contacts\/\{id\}/, `/api/contacts/${chat.contact.id}`)
    .replace(/\/api\/media\/\{id\}/, `/api/media/${fileId}`)
    .replace(/\/api\/users\/\{id\}/, `/api/users/${a.id}`)
    .replace(/\{messageId\}/g, messageId)
    .replace(/\/api\/integrations\/\{id\}/, `/api/integrations/${corp.integrationId}`)
    .replace(/\{id\}/g, chat.id)
    .replace(/\{[A-Za-z]+\}/g, 'x');
}

async function snapshot(): Promise<unknown> {
  const conv = await app.api<ConversationView>('GET', `/api/conversations/${chat.id}`, undefined, app.adminToken);
  const msgs = await app.api<MessageView[]>('GET', `/api/conversations/${chat.id}/messages`, undefined, app.adminToken);
  return { state: conv.body.state, assignee: conv.body.assigneeId, unread: conv.body.unreadCount, messages: msgs.body.map((m) => [m.id, m.status, m.text]) };
}

describe("another agent's chat, by id", () => {
  it('is readable by its own agent (the probe targets real objects)', async () => {
    expect((await app.api('GET', `/api/conversations/${chat.id}`, undefined, a.token)).status).toBe(200);
    expect((await app.api('GET', `/api/conversations/${chat.id}/messages`, undefined, a.token)).status).toBe(200);
    expect((await app.api('GET', `/api/contacts/${chat.contact.id}`, undefined, a.token)).status).toBe(200);
    expect((await app.api('GET', `/api/media/${fileId}/info`, undefined, a.token)).status).toBe(200);
  });

  it('answers 403 or 404 on every id-taking route of the API, and nothing changes', async () => {
    const routes = await idRoutes();
    // The routes this issue names must be among them (the document is complete).
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /api/conversations/{id}',
      'GET /api/conversations/{id}/messages',
      'POST /api/conversations/{id}/notes',
      'POST /api/conversations/{id}/claim',
      'GET /api/conversations/{id}/reply-window',
      'GET /api/contacts/{id}',
      'GET /api/media/{id}',
      'GET /api/media/{id}/info',
    ]) {
      expect(names).toContain(expected);
    }
    expect(routes.length).toBeGreaterThanOrEqual(25);

    const before = await snapshot();
    const answers: string[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const body = BODIES[key] === undefined ? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {}) : JSON.parse(JSON.stringify(BODIES[key]).replace('__B__', b.id));
      const res = await app.api<{ code?: string }>(route.method, fill(route.path), body, b.token);
      answers.push(`${key} → ${res.status} ${res.body?.code ?? ''}`);
    }
    const leaks = answers.filter((line) => !/ → (403|404) /.test(line));
    expect(leaks).toEqual([]);
    await expectEventually(async () => expect(await snapshot()).toEqual(before));
  });

  it('gives an administrator everything (the policy does not lock admins out)', async () => {
    expect((await app.api('GET', `/api/conversations/${chat.id}/messages`, undefined, app.adminToken)).status).toBe(200);
    expect((await app.api('GET', `/api/contacts/${chat.contact.id}`, undefined, app.adminToken)).status).toBe(200);
    expect((await app.api('GET', `/api/media/${fileId}/info`, undefined, app.adminToken)).status).toBe(200);
  });
});

describe('an administrator grants an agent every chat', () => {
  it('lets the agent read any chat (list, messages, contact, media) but not write to one assigned to another agent; revoking ends it at once', async () => {
    const c = await newAgent(app, 'access-supervisor');
    const reads = async (): Promise<number[]> => [
      (await app.api('GET', `/api/conversations/${chat.id}`, undefined, c.token)).status,
      (await app.api('GET', `/api/conversations/${chat.id}/messages`, undefined, c.token)).status,
      (await app.api('GET', `/api/contacts/${chat.contact.id}`, undefined, c.token)).status,
      (await app.api('GET', `/api/media/${fileId}/info`, undefined, c.token)).status,
    ];
    const listed = async (): Promise<boolean> =>
      (await app.api<ConversationView[]>('GET', `/api/conversations?integrationId=${corp.integrationId}`, undefined, c.token)).body.some((x) => x.id === chat.id);
    expect(await reads()).toEqual([404, 404, 404, 404]);
    expect(await listed()).toBe(false);

    // Only an administrator grants it.
    expect((await app.api('PUT', `/api/desk/agents/${c.id}`, { canViewAllChats: true }, a.token)).status).toBe(403);
    const granted = await app.api<{ canViewAllChats: boolean; capacity: number }>('PUT', `/api/desk/agents/${c.id}`, { canViewAllChats: true }, app.adminToken);
    expect(granted.status).toBe(200);
    expect(granted.body.canViewAllChats).toBe(true);
    // The same token, without logging in again; the console learns of it from /api/auth/me.
    expect(await reads()).toEqual([200, 200, 200, 200]);
    expect((await app.api<{ canViewAllChats: boolean }>('GET', '/api/auth/me', undefined, c.token)).body.canViewAllChats).toBe(true);
    expect(await listed()).toBe(true);

    // Reading is all: A's chat stays A's.
    const before = await snapshot();
    const reply = await app.api<{ code: string }>('POST', `/api/conversations/${chat.id}/messages`, { type: 'text', text: 'supervisor' }, c.token);
    expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: 'NOT_YOUR_CHAT' });
    // A chat they can see is plainly not in the queue any more (409), as for an administrator.
    const claim = await app.api<{ code: string }>('POST', `/api/conversations/${chat.id}/claim`, undefined, c.token);
    expect(claim.status).toBe(409);
    expect((await app.api('POST', `/api/conversations/${chat.id}/transfer`, { userId: c.id }, c.token)).status).toBe(403);
    expect(await snapshot()).toEqual(before);

    const revoked = await app.api<{ canViewAllChats: boolean }>('PUT', `/api/desk/agents/${c.id}`, { canViewAllChats: false }, app.adminToken);
    expect(revoked.body.canViewAllChats).toBe(false);
    expect(await reads()).toEqual([404, 404, 404, 404]);
    expect(await listed()).toBe(false);
  });

  it('refuses a settings call with nothing to set, or a grant that is not a boolean', async () => {
    const empty = await app.api<{ code: string }>('PUT', `/api/desk/agents/${a.id}`, {}, app.adminToken);
    expect({ status: empty.status, code: empty.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const wrong = await app.api<{ code: string }>('PUT', `/api/desk/agents/${a.id}`, { canViewAllChats: 'yes' }, app.adminToken);
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
