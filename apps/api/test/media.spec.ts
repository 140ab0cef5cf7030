import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startPlatformSim, type PlatformSim, type WecomApp } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { contentDisposition, safeFileName, sniffContentType } from '../src/media/media-files';
import { startTestApp, type TestApp } from './test-app';

// Inbound media: the simulator holds a file, pushes a message with its MediaId; the worker copies it
// into IMBRIDGE_MEDIA_DIR and GET /api/media/:id serves it to signed-in users.
jest.setTimeout(60_000);

interface MediaInfo {
  id: string;
  messageId: string;
  status: 'pending' | 'stored' | 'failed';
  contentType: string | null;
  fileName: string | null;
  size: number | null;
  sha256: string | null;
  error: { code: string; message: string; platformCode?: string } | null;
}

let app: TestApp;
let sim: PlatformSim;
let ds: DataSource;
let mediaDir: string;
let agentToken: string;
let simApp: WecomApp;
let integration: { id: string; callbackUrl: string };

beforeAll(async () => {
  mediaDir = mkdtempSync(join(tmpdir(), 'imbridge-media-'));
  sim = await startPlatformSim();
  app = await startTestApp({ IMBRIDGE_MEDIA_DIR: mediaDir });
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  const password = 'agent-password-for-media';
  expect((await app.api('POST', '/api/users', { username: 'media-agent', password, role: 'agent' }, app.adminToken)).status).toBe(201);
  const login = await app.api<{ accessToken: string }>('POST', '/api/auth/login', { username: 'media-agent', password });
  agentToken = login.body.accessToken;
  simApp = sim.wecom.addApp({ corpId: `ww${randomBytes(8).toString('hex')}`, agentId: 1000002, secret: randomBytes(32).toString('base64url').slice(0, 43) });
  const created = await app.api<{ id: string; callbackUrl: string }>(
    'POST',
    '/api/integrations',
    {
      platform: 'wecom',
      name: 'media test',
      config: { corpId: simApp.corpId, agentId: simApp.agentId, secret: simApp.secret, token: simApp.token, encodingAesKey: simApp.encodingAesKey, apiBaseUrl: sim.url },
    },
    app.adminToken,
  );
  expect(created.status).toBe(201);
  integration = created.body;
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
  rmSync(mediaDir, { recursive: true, force: true });
});

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]);

/** Pushes an image message with the media id; returns the media row once it is final. */
async function pushImage(mediaId: string, fromUser: string): Promise<MediaInfo> {
  const push = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'image', fromUser, mediaId, picUrl: 'https://example.invalid/p.png' });
  expect(push.responses.map((r) => r.status)).toEqual([200]);
  const mediaFileId = await expectEventually(async () => {
    const [row] = await ds.query(`SELECT content->>'mediaFileId' AS id FROM messages WHERE integration_id = $1 AND platform_message_id = $2`, [integration.id, push.msgId]);
    expect(row?.id).toMatch(/^[0-9a-f-]{36}$/);
    return row.id as string;
  });
  return expectEventually(
    async () => {
      const info = await app.api<MediaInfo>('GET', `/api/media/${mediaFileId}/info`, undefined, app.adminToken);
      expect(info.status).toBe(200);
      expect(info.body.status).not.toBe('pending');
      return info.body;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

async function getMedia(id: string, token?: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${app.url}/api/media/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe('inbound media', () => {
  it('downloads an image into the media directory and serves it to admins and agents', async () => {
    const mediaId = sim.wecom.addMedia(simApp.corpId, { bytes: PNG, contentType: 'image/png', fileName: 'photo 照片.png', type: 'image' });
    const info = await pushImage(mediaId, 'media-user-1');
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    expect(info).toMatchObject({ status: 'stored', contentType: 'image/png', fileName: 'photo 照片.png', size: PNG.length, sha256, error: null });
    // Content-addressed on disk, byte for byte.
    expect(readFileSync(join(mediaDir, sha256.slice(0, 2), sha256)).equals(PNG)).toBe(true);
    const [row] = await ds.query('SELECT platform_media_id, stored_path, integration_id FROM media_files WHERE id = $1', [info.id]);
    expect(row).toEqual({ platform_media_id: mediaId, stored_path: `${sha256.slice(0, 2)}/${sha256}`, integration_id: integration.id });

    for (const token of [app.adminToken, agentToken]) {
      const res = await getMedia(info.id, token);
      expect(res.status).toBe(200);
      expect(res.bytes.equals(PNG)).toBe(true);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toBe(`inline; filename="photo __.png"; filename*=UTF-8''${encodeURIComponent('photo 照片.png')}`);
    }
    expect((await getMedia(info.id)).status).toBe(401);
    // The message view carries the id, for the console.
    const [msg] = await ds.query('SELECT content FROM messages WHERE id = $1', [info.messageId]);
    expect(msg.content).toMatchObject({ media: { mediaId }, mediaFileId: info.id });
  });

  it('forces a download with a safe name for anything that is not image, audio or video', async () => {
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const mediaId = sim.wecom.addMedia(simApp.corpId, { bytes: html, contentType: 'text/html', fileName: '../../etc/evil".html', type: 'image' });
    const info = await pushImage(mediaId, 'media-user-2');
    expect(info).toMatchObject({ status: 'stored', contentType: 'text/html', fileName: 'evil.html' });
    const res = await getMedia(info.id, agentToken);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(html)).toBe(true);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="evil\.html"/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('marks media that expired at the platform (40007) as failed, visibly', async () => {
    const mediaId = sim.wecom.addMedia(simApp.corpId, { bytes: PNG, contentType: 'image/png', fileName: 'old.png', type: 'image' });
    sim.wecom.expireMedia(mediaId);
    const info = await pushImage(mediaId, 'media-user-3');
    expect(info.status).toBe('failed');
    expect(info.error).toMatchObject({ platformCode: '40007' });
    const res = await getMedia(info.id, app.adminToken);
    expect(res.status).toBe(410);
    expect(JSON.parse(res.bytes.toString())).toMatchObject({ code: 'MEDIA_FAILED' });
    // Tried once: an expired id is never retried.
    const [row] = await ds.query('SELECT attempts FROM media_files WHERE id = $1', [info.id]);
    expect(row.attempts).toBe(1);
  });

  it('retries a temporary platform error and then stores the file', async () => {
    const mediaId = sim.wecom.addMedia(simApp.corpId, { bytes: PNG, contentType: 'image/png', fileName: 'retry.png', type: 'image' });
    sim.wecom.script({ api: 'media/get', fromCall: sim.wecom.callCount('media/get') + 1, count: 1, errcode: -1, errmsg: 'system busy' });
    const info = await pushImage(mediaId, 'media-user-4');
    expect(info.status).toBe('stored');
    const [row] = await ds.query('SELECT attempts FROM media_files WHERE id = $1', [info.id]);
    expect(row.attempts).toBe(2);
    sim.wecom.clearScripts('media/get');
  });

  it('answers 404 for unknown or malformed ids', async () => {
    expect((await getMedia('00000000-0000-4000-8000-000000000000', app.adminToken)).status).toBe(404);
    expect((await getMedia('..%2F..%2Fetc%2Fpasswd', app.adminToken)).status).toBe(404);
  });
});

describe('media helpers', () => {
  it('keeps only a plain name', () => {
    expect(safeFileName('../../a/b\\c.txt')).toBe('c.txt');
    expect(safeFileName('..')).toBeNull();
    expect(safeFileName('a\u0000b"c.png')).toBe('abc.png');
    expect(safeFileName('')).toBeNull();
  });
  it('is inline only for images, audio and video (not SVG)', () => {
    expect(contentDisposition('image/png', 'a.png')).toMatch(/^inline;/);
    expect(contentDisposition('audio/amr', 'a.amr')).toMatch(/^inline;/);
    expect(contentDisposition('image/svg+xml', 'a.svg')).toMatch(/^attachment;/);
    expect(contentDisposition('application/pdf', "x'(1).pdf")).toBe(`attachment; filename="x__1_.pdf"; filename*=UTF-8''x%27%281%29.pdf`);
  });
  it('sniffs the common formats', () => {
    expect(sniffContentType(PNG)).toBe('image/png');
    expect(sniffContentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffContentType(Buffer.from('#!AMR\nxxxx'))).toBe('audio/amr');
    expect(sniffContentType(Buffer.from('hello'))).toBeNull();
  });
});
