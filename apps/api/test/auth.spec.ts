import { createHmac, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, createTestRedisPrefix } from '@imbridge/testing';
import { ADMIN, startTestApp, type TestApp, wecomConfig } from './test-app';

// The real app (HTTP + worker) on its own PostgreSQL database and Redis prefix.
jest.setTimeout(30_000);

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
}
interface LoginBody {
  accessToken: string;
  user: { id: string; username: string; role: string } & Record<string, unknown>;
}

let app: TestApp;
let ds: DataSource;

beforeAll(async () => {
  app = await startTestApp();
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl, extra: { max: 2 } });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
});

const login = (username: string, password: string) => app.api<LoginBody & ErrorBody>('POST', '/api/auth/login', { username, password });

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${app.url}${path}`, { redirect: 'manual', ...init });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

async function createUser(username: string, password: string, role: 'admin' | 'agent'): Promise<{ id: string }> {
  const res = await app.api<{ id: string } & Record<string, unknown>>('POST', '/api/users', { username, password, role }, app.adminToken);
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ username, role });
  expect(JSON.stringify(res.body)).not.toContain(password);
  expect(Object.keys(res.body).some((k) => /password|hash/i.test(k))).toBe(false);
  return res.body;
}

const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('login', () => {
  it('logs in with the right password: bearer token, user view without the hash, httpOnly cookie', async () => {
    const res = await login(ADMIN.username, ADMIN.password);
    expect(res.status).toBe(200);
    expect(res.body.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.body.user).toMatchObject({ username: ADMIN.username, role: 'admin' });
    expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/i);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^imbridge_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//);

    const me = await app.api<{ username: string; role: string }>('GET', '/api/auth/me', undefined, res.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: ADMIN.username, role: 'admin' });
  });

  it('answers wrong password and unknown user identically (401 BAD_CREDENTIALS)', async () => {
    const wrong = await login(ADMIN.username, 'not-the-password');
    const unknown = await login('nobody-here', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('BAD_CREDENTIALS');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('refuses malformed login bodies with a validation error, not a 500', async () => {
    const res = await app.api<ErrorBody>('POST', '/api/auth/login', { username: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const extra = await app.api<ErrorBody>('POST', '/api/auth/login', { ...ADMIN, role: 'admin' });
    expect(extra.status).toBe(400);
  });

  it('blocks the 6th failed attempt for a username from one IP with 429, even with the right password', async () => {
    const password = 'lock-me-password-1';
    await createUser('lockme', password, 'agent');
    for (let i = 1; i <= 5; i++) {
      const r = await login('lockme', `wrong-${i}`);
      expect({ attempt: i, status: r.status, code: r.body.code }).toEqual({ attempt: i, status: 401, code: 'BAD_CREDENTIALS' });
    }
    const sixth = await login('lockme', 'wrong-6');
    expect({ status: sixth.status, code: sixth.body.code }).toEqual({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    const right = await login('lockme', password);
    expect({ status: right.status, code: right.body.code }).toEqual({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // The lookup trims the username, so the limit does too: padding does not open a new budget.
    const padded = await login(' lockme ', password);
    expect({ status: padded.status, code: padded.body.code }).toEqual({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // Other users from the same IP are not locked out.
    expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
  });

  it('resets the failure count after a successful login', async () => {
    const password = 'reset-me-password-1';
    await createUser('resetme', password, 'agent');
    for (let i = 0; i < 4; i++) expect((await login('resetme', `wrong-${i}`)).status).toBe(401);
    expect((await login('resetme', password)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login('resetme', `wrong-again-${i}`)).status).toBe(401);
    expect((await login('resetme', 'wrong-final')).status).toBe(429);
  });
});

describe('sessions', () => {
  it('accepts the session cookie for /api/auth/me and clears it on logout', async () => {
    const res = await login(ADMIN.username, ADMIN.password);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = await raw('/api/auth/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ username: ADMIN.username, role: 'admin' });
    const out = await raw('/api/auth/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^imbridge_session=;.*Max-Age=0/);
  });

  it('answers 401 without a session, for the API and for the queue board', async () => {
    for (const path of ['/api/auth/me', '/api/integrations', '/api/users', '/api/conversations', '/api/platforms']) {
      const r = await raw(path);
      expect({ path, status: r.status, code: (JSON.parse(r.body) as ErrorBody).code }).toEqual({ path, status: 401, code: 'UNAUTHENTICATED' });
    }
    expect((await raw('/admin/queues')).status).toBe(401);
    expect((await raw('/admin/queues/api/queues')).status).toBe(401);
  });

  it('answers 401 to a tampered, forged, unsigned or foreign token', async () => {
    const agentPassword = 'agent-password-tamper';
    await createUser('tamper-agent', agentPassword, 'agent');
    const token = (await login('tamper-agent', agentPassword)).body.accessToken;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims['role']).toBe('agent');

    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.slice(-1);
    const candidates: Record<string, string> = {
      'signature changed': `${header}.${payload}.${flipped}`,
      'role raised to admin': `${header}.${b64url({ ...claims, role: 'admin' })}.${signature}`,
      'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, role: 'admin' })}.`,
      'signed with another key': (() => {
        const h = b64url({ alg: 'HS256', typ: 'JWT' });
        const p = b64url({ ...claims, role: 'admin' });
        return `${h}.${p}.${createHmac('sha256', randomBytes(32)).update(`${h}.${p}`).digest('base64url')}`;
      })(),
      'expired long ago': (() => {
        const h = header;
        const p = b64url({ ...claims, iat: 1_000_000, exp: 1_000_100 });
        return `${h}.${p}.${signature}`;
      })(),
      garbage: 'not-a-jwt',
    };
    for (const [what, t] of Object.entries(candidates)) {
      const bearer = await app.api<ErrorBody>('GET', '/api/auth/me', undefined, t);
      expect({ what, status: bearer.status, code: bearer.body.code }).toEqual({ what, status: 401, code: 'UNAUTHENTICATED' });
      const viaCookie = await raw('/api/auth/me', { headers: { cookie: `imbridge_session=${t}` } });
      expect({ what, status: viaCookie.status }).toEqual({ what, status: 401 });
      const board = await raw('/admin/queues', { headers: { authorization: `Bearer ${t}` } });
      expect({ what, status: board.status }).toEqual({ what, status: 401 });
    }
    // The untouched token still works (the test above is not failing for another reason).
    expect((await app.api('GET', '/api/auth/me', undefined, token)).status).toBe(200);
  });
});

describe('roles', () => {
  let agentToken = '';
  let agentCookie = '';
  beforeAll(async () => {
    const password = 'agent-password-roles';
    await createUser('agent-roles', password, 'agent');
    const res = await login('agent-roles', password);
    expect(res.status).toBe(200);
    agentToken = res.body.accessToken;
    agentCookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  });

  it('keeps agents out of admin endpoints (403)', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/integrations'],
      ['POST', '/api/integrations', { platform: 'wecom', name: 'x', config: wecomConfig() }],
      ['GET', '/api/users'],
      ['POST', '/api/users', { username: 'sneaky', password: 'sneaky-password', role: 'admin' }],
    ];
    for (const [method, path, body] of calls) {
      const r = await app.api<ErrorBody>(method, path, body, agentToken);
      expect({ method, path, status: r.status, code: r.body.code }).toEqual({ method, path, status: 403, code: 'FORBIDDEN' });
    }
    expect((await raw('/admin/queues', { headers: { authorization: `Bearer ${agentToken}` } })).status).toBe(403);
    expect((await raw('/admin/queues', { headers: { cookie: agentCookie } })).status).toBe(403);
    expect((await raw('/admin/queues/api/queues', { headers: { cookie: agentCookie } })).status).toBe(403);
    // Nothing was created on their behalf.
    const users = await app.api<{ username: string }[]>('GET', '/api/users', undefined, app.adminToken);
    expect(users.body.map((u) => u.username)).not.toContain('sneaky');
  });

  it('lets agents read conversations and themselves', async () => {
    const conv = await app.api<unknown[]>('GET', '/api/conversations', undefined, agentToken);
    expect(conv.status).toBe(200);
    expect(Array.isArray(conv.body)).toBe(true);
    const me = await app.api<{ role: string }>('GET', '/api/auth/me', undefined, agentToken);
    expect(me.body.role).toBe('agent');
  });

  it('lets administrators use the queue board', async () => {
    const board = await raw('/admin/queues', { headers: { authorization: `Bearer ${app.adminToken}` } });
    expect(board.status).toBe(200);
  });
});

describe('audit log', () => {
  it('records logins, failed logins and integration changes, without secret values', async () => {
    const cfg = wecomConfig({ secret: `AuditSecret_${randomBytes(16).toString('hex')}`.slice(0, 43), token: 'AuditTok3n', encodingAesKey: randomBytes(32).toString('hex').slice(0, 43) });
    const newToken = 'NewAuditTok3n';
    const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;

    expect((await login(ADMIN.username, wrongPassword)).status).toBe(401);
    expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
    const auditUserPassword = 'audit-user-password';
    await createUser('audit-user', auditUserPassword, 'agent');
    for (let i = 0; i < 6; i++) await login('audit-user', `${wrongPassword}-${i}`);
    const created = await app.api<{ id: string }>('POST', '/api/integrations', { platform: 'wecom', name: 'audited', config: cfg }, app.adminToken);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await app.api('PUT', `/api/integrations/${id}`, { name: 'audited 2', config: { token: newToken } }, app.adminToken)).status).toBe(200);
    expect((await app.api('DELETE', `/api/integrations/${id}`, undefined, app.adminToken)).status).toBe(204);

    const rows: { action: string; actor_name: string | null; target_id: string | null; ip: string | null; details: unknown }[] = await ds.query(
      'SELECT action, actor_name, target_id, ip, details FROM audit_log ORDER BY id',
    );
    const actions = rows.map((r) => r.action);
    for (const a of ['auth.login', 'auth.login.failed', 'auth.login.throttled', 'user.create', 'integration.create', 'integration.update', 'integration.delete']) {
      expect(actions).toContain(a);
    }
    const failed = rows.filter((r) => r.action === 'auth.login.failed' && r.actor_name === ADMIN.username);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.ip).toBeTruthy();
    for (const a of ['integration.create', 'integration.update', 'integration.delete']) {
      expect(rows.filter((r) => r.action === a && r.target_id === id)).toHaveLength(1);
    }
    expect(rows.find((r) => r.action === 'integration.update' && r.target_id === id)!.details).toMatchObject({ fields: ['token'] });

    const everything = JSON.stringify(rows);
    const secrets = [cfg['secret'], cfg['token'], cfg['encodingAesKey'], newToken, wrongPassword, ADMIN.password, auditUserPassword] as string[];
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});

describe('users', () => {
  it('answers 409 (not 500) when the same username is created twice at once', async () => {
    const body = { username: 'twin', password: 'twin-password-1', role: 'agent' };
    const answers = await Promise.all(Array.from({ length: 4 }, () => app.api<ErrorBody>('POST', '/api/users', body, app.adminToken)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('USERNAME_TAKEN');
  });

  it('seeds one administrator when two processes start at once on a fresh database', async () => {
    const { url } = await createTestDatabase();
    const shared = { databaseUrl: url, env: { IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'), IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix() } };
    const started = await Promise.allSettled([startTestApp({}, shared), startTestApp({}, shared), startTestApp({}, shared)]);
    try {
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started', 'started']);
      const db = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
      await db.initialize();
      try {
        const admins: { username: string }[] = await db.query(`SELECT username FROM users WHERE role = 'admin'`);
        expect(admins).toEqual([{ username: ADMIN.username }]);
      } finally {
        await db.destroy();
      }
    } finally {
      for (const s of started) if (s.status === 'fulfilled') await s.value.close();
    }
  });
});
