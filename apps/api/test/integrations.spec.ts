import { randomBytes } from 'node:crypto';
import { startPlatformSim, type PlatformSim, type WecomApp } from '@imbridge/platform-sim';
import { startTestApp, type TestApp, wecomConfig } from './test-app';

// The real app (HTTP + worker) on its own PostgreSQL database and Redis prefix, with the simulator
// playing WeCom.
jest.setTimeout(30_000);

interface FieldProblem {
  field: string;
  message: { zh: string; en: string };
}
interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  messageZh?: string;
  details?: FieldProblem[];
}
interface Masked {
  set: boolean;
  last4: string | null;
  updatedAt: string | null;
}
interface View {
  id: string;
  platform: string;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  callbackUrl: string;
  createdAt: string;
  updatedAt: string;
}
interface Field {
  name: string;
  label: { zh: string; en: string };
  type: string;
  required: boolean;
  secret: boolean;
}
interface Descriptor {
  id: string;
  name: { zh: string; en: string };
  fields: Field[];
}

let app: TestApp;
let sim: PlatformSim;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

let corpCounter = 0;
function addSimApp(token?: string): WecomApp {
  const corpId = `ww${randomBytes(6).toString('hex')}${String(++corpCounter).padStart(4, '0')}`;
  return sim.wecom.addApp({ corpId, agentId: 1000002, secret: randomBytes(32).toString('base64url').slice(0, 43), ...(token ? { token } : {}) });
}

function simConfig(s: WecomApp): Record<string, unknown> {
  return { corpId: s.corpId, agentId: s.agentId, secret: s.secret, token: s.token, encodingAesKey: s.encodingAesKey, apiBaseUrl: sim.url };
}

async function create(config: Record<string, unknown>, on: TestApp = app): Promise<View> {
  const res = await on.api<View>('POST', '/api/integrations', { platform: 'wecom', name: 'integration test', config }, on.adminToken);
  expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ status: 201, body: 'ok' });
  return res.body;
}

const pushText = async (s: WecomApp, callbackUrl: string, content: string): Promise<number> =>
  (await sim.wecom.client.push(callbackUrl, s.corpId, { type: 'text', fromUser: 'integration-user', content })).responses[0]!.status;

describe('GET /api/platforms', () => {
  it('describes wecom with zh/en labels and marks the secret fields', async () => {
    const res = await app.api<Descriptor[]>('GET', '/api/platforms', undefined, app.adminToken);
    expect(res.status).toBe(200);
    const wecom = res.body.find((d) => d.id === 'wecom');
    expect(wecom).toBeDefined();
    expect(wecom!.name.zh).toMatch(/企业微信/);
    expect(wecom!.name.en).toMatch(/WeCom/);
    for (const f of wecom!.fields) {
      expect(f.label.zh.length).toBeGreaterThan(0);
      expect(f.label.en.length).toBeGreaterThan(0);
    }
    const secretFlags = Object.fromEntries(wecom!.fields.map((f) => [f.name, f.secret]));
    expect(secretFlags).toMatchObject({ corpId: false, agentId: false, secret: true, token: true, encodingAesKey: true, apiBaseUrl: false });
  });
});

describe('validation', () => {
  it('refuses a bad corpId and encodingAesKey with per-field details, without echoing the values', async () => {
    const badKey = 'tooShortKey0123';
    const res = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'bad', config: wecomConfig({ corpId: 'not-a-corp-id', encodingAesKey: badKey }) }, app.adminToken);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.messageZh).toBeTruthy();
    const fields = (res.body.details ?? []).map((d) => d.field).sort();
    expect(fields).toEqual(['corpId', 'encodingAesKey']);
    for (const d of res.body.details!) {
      expect(d.message.zh.length).toBeGreaterThan(0);
      expect(d.message.en.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(res.body)).not.toContain(badKey);
  });

  it('refuses missing required fields, wrong types and out-of-range numbers per field', async () => {
    const cfg = wecomConfig({ agentId: 0, token: 'has space' });
    delete cfg['secret'];
    const res = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'bad', config: cfg }, app.adminToken);
    expect(res.status).toBe(400);
    expect((res.body.details ?? []).map((d) => d.field).sort()).toEqual(['agentId', 'secret', 'token']);
  });

  it('refuses unknown fields, in the config and at the top level, and unknown platforms', async () => {
    const inConfig = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'x', config: wecomConfig({ admin: true }) }, app.adminToken);
    expect(inConfig.status).toBe(400);
    expect(inConfig.body.code).toBe('VALIDATION_FAILED');
    expect(inConfig.body.details).toEqual([expect.objectContaining({ field: 'admin' })]);
    const topLevel = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'x', config: wecomConfig(), id: '00000000-0000-0000-0000-000000000000' }, app.adminToken);
    expect(topLevel.status).toBe(400);
    expect(topLevel.body.code).toBe('VALIDATION_FAILED');
    const platform = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'icq', name: 'x', config: {} }, app.adminToken);
    expect(platform.status).toBe(400);
    const list = await app.api<View[]>('GET', '/api/integrations', undefined, app.adminToken);
    expect(list.body.filter((v) => v.name === 'x')).toEqual([]);
  });
});

describe('SSRF protection of admin-set URLs', () => {
  let strict: TestApp | undefined;
  beforeAll(async () => {
    strict = await startTestApp({ IMBRIDGE_ALLOW_PRIVATE_URLS: 'false', PUBLIC_BASE_URL: 'https://imbridge.example.com/im/' });
  });
  afterAll(async () => {
    await strict?.close();
  });

  const internal = [
    'http://127.0.0.1:8080',
    'http://169.254.169.254',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://localhost:8080',
    'http://10.1.2.3',
    'http://192.168.1.1',
    'http://172.16.0.1',
    'http://100.64.0.1',
    'http://0.0.0.0',
    'http://2130706433/', // 127.0.0.1 as one number
    'http://0x7f.1/', // 127.0.0.1 in hex shorthand
    'http://[::ffff:127.0.0.1]/', // IPv4-mapped
    'http://[::ffff:a9fe:a9fe]/', // 169.254.169.254 mapped
    'http://[::127.0.0.1]/', // IPv4-compatible
    'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
    'http://[fd00::1]/',
    'http://[fe80::1]/',
  ];

  it.each(internal)('refuses apiBaseUrl %s with a field error', async (url) => {
    const res = await strict!.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'ssrf', config: wecomConfig({ apiBaseUrl: url }) }, strict!.adminToken);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'apiBaseUrl' })]);
  });

  it('refuses credentials in URLs and non-http schemes', async () => {
    for (const url of ['https://user:pass@qyapi.weixin.qq.com', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/']) {
      const res = await strict!.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'ssrf', config: wecomConfig({ apiBaseUrl: url }) }, strict!.adminToken);
      expect({ url, status: res.status, fields: res.body.details?.map((d) => d.field) }).toEqual({ url, status: 400, fields: ['apiBaseUrl'] });
    }
  });

  it('accepts a public address, refuses switching it to an internal one later, and builds callback URLs from PUBLIC_BASE_URL', async () => {
    const ok = await create(wecomConfig({ apiBaseUrl: 'https://1.2.3.4' }), strict);
    expect(ok.callbackUrl).toBe(`https://imbridge.example.com/im/callbacks/wecom/${ok.id}`);
    const put = await strict!.api<ErrorBody>('PUT', `/api/integrations/${ok.id}`, { config: { apiBaseUrl: 'http://169.254.169.254' } }, strict!.adminToken);
    expect(put.status).toBe(400);
    expect(put.body.details).toEqual([expect.objectContaining({ field: 'apiBaseUrl' })]);
    const after = await strict!.api<View>('GET', `/api/integrations/${ok.id}`, undefined, strict!.adminToken);
    expect(after.body.config['apiBaseUrl']).toBe('https://1.2.3.4');
  });
});

describe('lifecycle', () => {
  it('builds the callback URL from PUBLIC_BASE_URL and passes the platform URL check', async () => {
    const s = addSimApp();
    const view = await create(simConfig(s));
    expect(view.callbackUrl).toBe(`${app.env['PUBLIC_BASE_URL']}/callbacks/wecom/${view.id}`);
    const verify = await sim.wecom.client.verifyUrl(view.callbackUrl, s.corpId);
    expect({ status: verify.status, body: verify.body }).toEqual({ status: 200, body: verify.expected });
  });

  it('masks secrets as {set, last4, updatedAt}, with last4 null for short ones', async () => {
    const s = addSimApp('ShortTok3n');
    const view = await create(simConfig(s));
    const cfg = view.config as Record<string, Masked | string | number | null>;
    expect(cfg['secret']).toEqual({ set: true, last4: s.secret.slice(-4), updatedAt: expect.any(String) });
    expect(cfg['encodingAesKey']).toEqual({ set: true, last4: s.encodingAesKey.slice(-4), updatedAt: expect.any(String) });
    expect(cfg['token']).toEqual({ set: true, last4: null, updatedAt: expect.any(String) });
    expect(new Date((cfg['secret'] as Masked).updatedAt!).getTime()).not.toBeNaN();
    expect(cfg).toMatchObject({ corpId: s.corpId, agentId: s.agentId, apiBaseUrl: sim.url });
  });

  it('keeps secrets left out of a PUT (callbacks still verify) and uses a new token at once', async () => {
    const s = addSimApp();
    const view = await create(simConfig(s));
    expect(await pushText(s, view.callbackUrl, 'before update')).toBe(200);

    const renamed = await app.api<View>('PUT', `/api/integrations/${view.id}`, { name: 'renamed', config: { agentId: s.agentId } }, app.adminToken);
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('renamed');
    expect(renamed.body.config['secret']).toEqual(view.config['secret']);
    expect(renamed.body.config['token']).toEqual(view.config['token']);
    expect(await pushText(s, view.callbackUrl, 'after rename')).toBe(200);

    // A refused update changes nothing either.
    const refused = await app.api<ErrorBody>('PUT', `/api/integrations/${view.id}`, { config: { token: 'bad token!', corpId: 'nope' } }, app.adminToken);
    expect(refused.status).toBe(400);
    expect(await pushText(s, view.callbackUrl, 'after refused update')).toBe(200);
    // A required secret cannot be cleared.
    const cleared = await app.api<ErrorBody>('PUT', `/api/integrations/${view.id}`, { config: { token: '' } }, app.adminToken);
    expect(cleared.status).toBe(400);
    expect(cleared.body.details).toEqual([expect.objectContaining({ field: 'token' })]);
    expect(await pushText(s, view.callbackUrl, 'after refused clear')).toBe(200);

    const newToken = `NewTok${randomBytes(6).toString('hex')}`;
    const changed = await app.api<View>('PUT', `/api/integrations/${view.id}`, { config: { token: newToken } }, app.adminToken);
    expect(changed.status).toBe(200);
    expect((changed.body.config['token'] as Masked).updatedAt).not.toBe((view.config['token'] as Masked).updatedAt);
    expect(changed.body.config['secret']).toEqual(view.config['secret']);
    // The platform still signs with the old token: refused with the uniform answer …
    const old = await sim.wecom.client.push(view.callbackUrl, s.corpId, { type: 'text', fromUser: 'integration-user', content: 'old token' });
    expect(old.responses.map((r) => ({ status: r.status, body: r.body }))).toEqual([{ status: 400, body: 'invalid request' }]);
    const diag = await app.api<{ records: { outcome: string; detail: string }[] }>('GET', `/api/integrations/${view.id}/callbacks`, undefined, app.adminToken);
    expect(diag.body.records[0]).toMatchObject({ outcome: 'rejected', detail: 'signature-mismatch' });
    // … until the platform uses the new one too.
    sim.wecom.addApp({ corpId: s.corpId, agentId: s.agentId, secret: s.secret, token: newToken, encodingAesKey: s.encodingAesKey });
    expect(await pushText(s, view.callbackUrl, 'new token')).toBe(200);
  });

  it('refuses callbacks of a disabled integration with the uniform answer, and accepts them again once enabled', async () => {
    const s = addSimApp();
    const view = await create(simConfig(s));
    const off = await app.api<View>('PUT', `/api/integrations/${view.id}`, { enabled: false }, app.adminToken);
    expect({ status: off.status, enabled: off.body.enabled }).toEqual({ status: 200, enabled: false });
    const refused = await sim.wecom.client.push(view.callbackUrl, s.corpId, { type: 'text', fromUser: 'integration-user', content: 'while disabled' });
    expect(refused.responses.map((r) => ({ status: r.status, body: r.body }))).toEqual([{ status: 400, body: 'invalid request' }]);
    const diag = await app.api<{ records: { outcome: string; detail: string }[] }>('GET', `/api/integrations/${view.id}/callbacks`, undefined, app.adminToken);
    expect(diag.body.records[0]).toMatchObject({ outcome: 'rejected', detail: 'integration-disabled' });
    expect((await app.api('PUT', `/api/integrations/${view.id}`, { enabled: true }, app.adminToken)).status).toBe(200);
    expect(await pushText(s, view.callbackUrl, 'enabled again')).toBe(200);
  });

  it('deletes with 204; afterwards the integration is gone and its callbacks get the uniform 400', async () => {
    const s = addSimApp();
    const view = await create(simConfig(s));
    expect(await pushText(s, view.callbackUrl, 'before delete')).toBe(200);
    const del = await app.api('DELETE', `/api/integrations/${view.id}`, undefined, app.adminToken);
    expect(del.status).toBe(204);
    expect((await app.api<ErrorBody>('GET', `/api/integrations/${view.id}`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api<ErrorBody>('PUT', `/api/integrations/${view.id}`, { name: 'zombie' }, app.adminToken)).status).toBe(404);
    expect((await app.api('DELETE', `/api/integrations/${view.id}`, undefined, app.adminToken)).status).toBe(404);
    const list = await app.api<View[]>('GET', '/api/integrations', undefined, app.adminToken);
    expect(list.body.map((v) => v.id)).not.toContain(view.id);

    const after = await sim.wecom.client.push(view.callbackUrl, s.corpId, { type: 'text', fromUser: 'integration-user', content: 'after delete' });
    expect(after.responses.map((r) => ({ status: r.status, body: r.body }))).toEqual([{ status: 400, body: 'invalid request' }]);
    const verify = await sim.wecom.client.verifyUrl(view.callbackUrl, s.corpId);
    expect({ status: verify.status, body: verify.body }).toEqual({ status: 400, body: 'invalid request' });
  });

  it('answers 404 for malformed and unknown ids', async () => {
    for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '-'.repeat(36), 'ffffffff-ffff-ffff-ffff-fffffffffffff', "'; DROP TABLE integrations; --"]) {
      const r = await app.api<ErrorBody>('GET', `/api/integrations/${encodeURIComponent(id)}`, undefined, app.adminToken);
      expect({ id, status: r.status, code: r.body.code }).toEqual({ id, status: 404, code: 'NOT_FOUND' });
    }
  });
});

describe('OpenAPI', () => {
  it('documents the API at /api/docs/openapi.json and serves Swagger UI at /api/docs', async () => {
    const res = await fetch(`${app.url}/api/docs/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components?: { securitySchemes?: Record<string, unknown> } };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths['/api/auth/login'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/api/integrations'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/integrations/{id}'] ?? {})).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(Object.keys(doc.paths['/api/conversations'] ?? {})).toContain('get');
    expect(doc.components?.securitySchemes).toBeDefined();
    // Platform callbacks are not part of the public API description.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/callbacks'))).toEqual([]);

    const ui = await fetch(`${app.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });
});
