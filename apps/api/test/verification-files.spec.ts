import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

let app: TestApp;
let ds: DataSource;
let agentToken: string;

beforeAll(async () => {
  app = await startTestApp();
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  const password = 'agent-password-for-verify';
  expect((await app.api('POST', '/api/users', { username: 'verify-agent', password, role: 'agent' }, app.adminToken)).status).toBe(201);
  agentToken = (await app.api<{ accessToken: string }>('POST', '/api/auth/login', { username: 'verify-agent', password })).body.accessToken;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
});

async function raw(path: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${app.url}${path}`, { redirect: 'manual' });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe('domain verification files', () => {
  const fileName = 'WW_verify_AbCdEfGh12345678.txt';
  const content = 'Cv9TeWwxyzjAMOak';

  it('uploads a file (admin), lists it, serves it at the site root exactly, without login', async () => {
    const created = await app.api<{ fileName: string; size: number; createdAt: string }>('POST', '/api/verification-files', { fileName, content }, app.adminToken);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ fileName, size: content.length, createdAt: expect.any(String) });
    expect(new Date(created.body.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const list = await app.api<{ fileName: string; size: number }[]>('GET', '/api/verification-files', undefined, app.adminToken);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ fileName, size: content.length, createdAt: created.body.createdAt }]);

    const served = await raw(`/${fileName}`);
    expect(served.status).toBe(200);
    expect(served.body).toBe(content);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(served.headers.get('content-length')).toBe(String(content.length));
    expect((await raw('/WW_verify_unknown1234.txt')).status).toBe(404);

    const audit = await ds.query(`SELECT action, target_id FROM audit_log WHERE action LIKE 'verification-file.%'`);
    expect(audit).toEqual([{ action: 'verification-file.create', target_id: fileName }]);
  });

  it('is served by every API process, ahead of the console\'s SPA fallback', async () => {
    const consoleDir = mkdtempSync(join(tmpdir(), 'imbridge-console-'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    const other = await startTestApp({ IMBRIDGE_CONSOLE_DIR: consoleDir, IMBRIDGE_ROLE: 'api' }, { databaseUrl: app.databaseUrl, env: app.env });
    try {
      const get = async (path: string) => {
        const res = await fetch(`${other.url}${path}`, { redirect: 'manual' });
        return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
      };
      expect(await get(`/${fileName}`)).toEqual({ status: 200, body: content, type: 'text/plain; charset=utf-8' });
      // Client-side routes still get the console; unknown verification names do not.
      expect((await get('/integrations')).body).toContain('<title>console</title>');
      expect((await get('/WW_verify_nothere1.txt')).status).toBe(404);
    } finally {
      await other.close();
      rmSync(consoleDir, { recursive: true, force: true });
    }
  });

  it('keeps whitespace and line ends exactly, and replaces a file of the same name', async () => {
    const name = 'MP_verify_Xy12.txt';
    expect((await app.api('POST', '/api/verification-files', { fileName: name, content: 'first' }, app.adminToken)).status).toBe(201);
    const exact = ' code\r\nline2\n';
    expect((await app.api('POST', '/api/verification-files', { fileName: name, content: exact }, app.adminToken)).status).toBe(201);
    const served = await raw(`/${name}`);
    expect({ status: served.status, body: served.body }).toEqual({ status: 200, body: exact });
  });

  it('refuses bad names and contents', async () => {
    const bad = (body: unknown) => app.api<{ code: string }>('POST', '/api/verification-files', body, app.adminToken);
    const names = [
      '../WW_verify_abc.txt',
      'WW_verify_../../etc/passwd.txt',
      'WW_verify_abc.txt/../x',
      'WW_verify_a%2Fb.txt',
      'XX_verify_abc.txt',
      'ww_verify_abc.txt',
      'WW_verify_.txt',
      'WW_verify_abc.html',
      'WW_verify_abc.txt.exe',
      `WW_verify_${'a'.repeat(65)}.txt`,
      'WW_verify_abc-def.txt',
      'index.html',
    ];
    for (const fileName of names) {
      const r = await bad({ fileName, content: 'x' });
      expect({ fileName, status: r.status }).toEqual({ fileName, status: 400 });
    }
    expect((await bad({ fileName: `WW_verify_${'a'.repeat(64)}.txt`, content: 'x' })).status).toBe(201);
    for (const content of ['', 'x'.repeat(1025), 'tab\tok but bell \u0007', '价格', '<script>\u0000']) {
      const r = await bad({ fileName: 'WW_verify_content1.txt', content });
      expect({ content: content.slice(0, 20), status: r.status }).toEqual({ content: content.slice(0, 20), status: 400 });
    }
    expect((await bad({ fileName: 'WW_verify_content1.txt', content: 'x'.repeat(1024) })).status).toBe(201);
    expect((await bad({ fileName: 'WW_verify_content2.txt' })).status).toBe(400);
    expect((await bad({ fileName: ['WW_verify_content2.txt'], content: 'x' })).status).toBe(400);
    // Nothing outside the pattern is ever served from the root.
    expect((await raw('/WW_verify_abc.html')).status).toBe(404);
    expect((await raw('/WW_verify_..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
  });

  it('is for administrators only', async () => {
    expect((await app.api('GET', '/api/verification-files')).status).toBe(401);
    expect((await app.api('GET', '/api/verification-files', undefined, agentToken)).status).toBe(403);
    expect((await app.api('POST', '/api/verification-files', { fileName: 'WW_verify_agent1.txt', content: 'x' }, agentToken)).status).toBe(403);
    expect((await app.api('DELETE', `/api/verification-files/${fileName}`, undefined, agentToken)).status).toBe(403);
  });

  it('deletes a file; it is no longer served', async () => {
    expect((await app.api('DELETE', `/api/verification-files/${fileName}`, undefined, app.adminToken)).status).toBe(204);
    expect((await raw(`/${fileName}`)).status).toBe(404);
    expect((await app.api('DELETE', `/api/verification-files/${fileName}`, undefined, app.adminToken)).status).toBe(404);
    expect((await app.api('DELETE', '/api/verification-files/..%2F..%2Fetc', undefined, app.adminToken)).status).toBe(404);
    const list = await app.api<{ fileName: string }[]>('GET', '/api/verification-files', undefined, app.adminToken);
    expect(list.body.map((f) => f.fileName)).not.toContain(fileName);
    const audit = await ds.query(`SELECT action FROM audit_log WHERE action = 'verification-file.delete' AND target_id = $1`, [fileName]);
    expect(audit).toHaveLength(1);
  });
});
