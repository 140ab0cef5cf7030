import { DESK_SOCKET_PATH } from '@imbridge/contracts';
import { expectEventually } from '@imbridge/testing';
import { io, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { ADMIN, startTestApp, type TestApp } from './test-app';

/**
 * Login limiting under parallel guesses, revocable sessions (logout, password change) and the
 * same-origin rule for cookie-authenticated changes and the desk socket — as an attacker would try them.
 */

interface LoginBody {
  accessToken: string;
  code?: string;
}

const CONSOLE_ORIGIN = 'https://console.example.com';
let app: TestApp;
let ds: DataSource;
const sockets: Socket[] = [];

const login = (username: string, password: string) => app.api<LoginBody>('POST', '/api/auth/login', { username, password });

async function createUser(username: string, password: string, role: 'admin' | 'agent' = 'agent'): Promise<string> {
  const res = await app.api<{ id: string }>('POST', '/api/users', { username, password, role }, app.adminToken);
  expect(res.status).toBe(201);
  return res.body.id;
}

async function cookieOf(username: string, password: string): Promise<string> {
  const res = await login(username, password);
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const me = (headers: Record<string, string>) => fetch(`${app.url}/api/auth/me`, { headers }).then((r) => r.status);

function connect(opts: { token?: string; cookie?: string; origin?: string }): Promise<Socket> {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers['cookie'] = opts.cookie;
  if (opts.origin) headers['origin'] = opts.origin;
  const socket = io(app.url, {
    path: DESK_SOCKET_PATH,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(opts.token ? { auth: { token: opts.token } } : {}),
    extraHeaders: headers,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => reject(Object.assign(new Error(err.data?.code ?? err.message), { code: err.data?.code })));
  });
}

beforeAll(async () => {
  app = await startTestApp({ IMBRIDGE_CONSOLE_ORIGINS: CONSOLE_ORIGIN });
  ds = app.running.app.get(DataSource);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
});

describe('login limiter', () => {
  it('checks at most 5 of 30 parallel wrong passwords for one account; the rest get 429, and so does the right password after', async () => {
    const id = await createUser('burst-1', 'burst-password-1');
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => login('burst-1', `wrong-${i}`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    // Only the attempts that were let through were checked (and logged as failed).
    const count = async (action: string): Promise<number> =>
      ((await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND actor_name = $2`, [action, 'burst-1'])) as { n: number }[])[0]!.n;
    await expectEventually(async () => expect(await count('auth.login.throttled')).toBe(25));
    expect(await count('auth.login.failed')).toBe(5);
    expect((await login('burst-1', 'burst-password-1')).status).toBe(429);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lets no more than 5 guesses be checked even when the right password hides in the burst', async () => {
    await createUser('burst-2', 'burst-password-2');
    const attempts = Array.from({ length: 30 }, (_, i) => (i === 29 ? 'burst-password-2' : `wrong-${i}`));
    const results = await Promise.all(attempts.map((p) => login('burst-2', p)));
    const checked = results.filter((r) => r.status === 401 || r.status === 200);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(25);
  });
});

describe('revocable sessions', () => {
  it('a logged-out token gets 401 at once (bearer and cookie); another session of the same user goes on', async () => {
    await createUser('leaver', 'leaver-password-1');
    const first = (await login('leaver', 'leaver-password-1')).body.accessToken;
    const second = (await login('leaver', 'leaver-password-1')).body.accessToken;
    const cookie = await cookieOf('leaver', 'leaver-password-1');
    expect(await me({ authorization: `Bearer ${first}` })).toBe(200);

    const out = await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${first}` } });
    expect(out.status).toBe(204);
    expect(await me({ authorization: `Bearer ${first}` })).toBe(401);
    expect(await me({ authorization: `Bearer ${second}` })).toBe(200);

    expect(await me({ cookie })).toBe(200);
    expect((await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect(await me({ cookie })).toBe(401);
  });

  it("closes the logged-out session's desk socket", async () => {
    await createUser('socket-leaver', 'socket-leaver-pw-1');
    const token = (await login('socket-leaver', 'socket-leaver-pw-1')).body.accessToken;
    const socket = await connect({ token });
    expect(socket.connected).toBe(true);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    expect((await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    expect(await closed).toBe('io server disconnect');
    await expect(connect({ token })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a password change ends every other session; the caller gets a fresh token; a wrong current password changes nothing', async () => {
    const id = await createUser('changer', 'changer-password-1');
    const other = (await login('changer', 'changer-password-1')).body.accessToken;
    const mine = (await login('changer', 'changer-password-1')).body.accessToken;
    const wrong = await app.api<{ code: string }>('POST', '/api/auth/password', { currentPassword: 'nope', newPassword: 'changer-password-2' }, mine);
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: 'BAD_CREDENTIALS' });
    expect(await me({ authorization: `Bearer ${other}` })).toBe(200);

    const changed = await app.api<LoginBody>('POST', '/api/auth/password', { currentPassword: 'changer-password-1', newPassword: 'changer-password-2' }, mine);
    expect(changed.status).toBe(200);
    expect(await me({ authorization: `Bearer ${other}` })).toBe(401);
    expect(await me({ authorization: `Bearer ${mine}` })).toBe(401);
    expect(await me({ authorization: `Bearer ${changed.body.accessToken}` })).toBe(200);
    expect((await login('changer', 'changer-password-1')).status).toBe(401);
    expect((await login('changer', 'changer-password-2')).status).toBe(200);

    // An administrator's reset ends the user's sessions too; agents may not reset anyone.
    const current = (await login('changer', 'changer-password-2')).body.accessToken;
    const byAgent = await app.api('PUT', `/api/users/${id}/password`, { password: 'agent-set-password' }, current);
    expect(byAgent.status).toBe(403);
    const reset = await app.api('PUT', `/api/users/${id}/password`, { password: 'changer-password-3' }, app.adminToken);
    expect(reset.status).toBe(204);
    expect(await me({ authorization: `Bearer ${current}` })).toBe(401);
    expect((await login('changer', 'changer-password-3')).status).toBe(200);
    expect((await app.api('PUT', '/api/users/not-a-uuid/password', { password: 'whatever-123' }, app.adminToken)).status).toBe(404);
    expect((await app.api('PUT', `/api/users/${id}/password`, { password: 'short' }, app.adminToken)).status).toBe(400);
  });
});

describe('same origin for cookie-authenticated changes', () => {
  it('refuses a cross-origin cookie POST with 403 CROSS_ORIGIN, accepts the console origin, and leaves bearer calls alone', async () => {
    const cookie = await cookieOf(ADMIN.username, ADMIN.password);
    const body = JSON.stringify({ username: 'csrf-victim', password: 'csrf-password-1', role: 'admin' });
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { code?: string },
      }));

    const evil = await post({ cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect({ status: evil.status, code: evil.body.code }).toEqual({ status: 403, code: 'CROSS_ORIGIN' });
    const nullOrigin = await post({ cookie, origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    expect((await ds.query(`SELECT 1 FROM users WHERE username = 'csrf-victim'`)).length).toBe(0);

    expect((await post({ cookie, origin: CONSOLE_ORIGIN, 'sec-fetch-site': 'same-site' })).status).toBe(201);
    // A bearer token is no ambient credential: its origin does not matter.
    const bearer = await fetch(`${app.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminToken}`, origin: 'https://evil.example' },
      body: JSON.stringify({ username: 'csrf-bearer', password: 'csrf-password-2', role: 'agent' }),
    });
    expect(bearer.status).toBe(201);
    // Reads with the cookie are not changes.
    expect(await me({ cookie, origin: 'https://evil.example' })).toBe(200);
  });

  it('refuses a cross-origin socket handshake with the cookie, and accepts the console origin', async () => {
    const cookie = await cookieOf(ADMIN.username, ADMIN.password);
    await expect(connect({ cookie, origin: 'https://evil.example' })).rejects.toMatchObject({ code: 'CROSS_ORIGIN' });
    const ok = await connect({ cookie, origin: CONSOLE_ORIGIN });
    expect(ok.connected).toBe(true);
    const bare = await connect({ cookie });
    expect(bare.connected).toBe(true);
    await expectEventually(() => expect(ok.connected && bare.connected).toBe(true));
  });
});
