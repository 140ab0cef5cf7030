import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { MessageView } from '@imbridge/contracts';
import { MP_MEDIA_MAX_BYTES } from '@imbridge/platform-mp';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { addSimMpAccount, createMpIntegration, mpAccount, type MpIntegration } from './mp-test-kit';
import { startTestApp, type TestApp } from './test-app';

// 公众号 inbound media: a user sends an image/voice/video through the simulator to a customer-service
// account; the worker downloads it by MediaId (media/get, token to the API base URL only, never the
// PicUrl) into IMBRIDGE_MEDIA_DIR, and the desk's message carries the stored file.
jest.setTimeout(90_000);

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
let mp: MpIntegration;
/** A stand-in for the image CDN behind PicUrl: records every request it gets. */
let cdn: Server;
let cdnUrl = '';
const cdnHits: string[] = [];

beforeAll(async () => {
  mediaDir = mkdtempSync(join(tmpdir(), 'imbridge-mp-media-'));
  sim = await startPlatformSim();
  app = await startTestApp({ IMBRIDGE_MEDIA_DIR: mediaDir });
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  cdn = createServer((req, res) => {
    cdnHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end('not the file');
  });
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  mp = await createMpIntegration(app, sim, mpAccount({ encryptionMode: 'safe', accountType: 'service', verified: true }), {}, 'mp media');
  addSimMpAccount(sim, mp);
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
  await new Promise((resolve) => cdn?.close(resolve));
  rmSync(mediaDir, { recursive: true, force: true });
});

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), randomBytes(4096)]);

/** The user's message reaches the gateway (acknowledged at once); returns the desk conversation id. */
async function send(openId: string, message: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${sim.url}/_sim/mp/user-message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: mp.account.appId, openId, message }),
  });
  expect(res.status).toBe(200);
  const { callback } = (await res.json()) as { callback: { outcome: string; deliveries: Array<{ status?: number; body?: string }> } };
  expect(callback.deliveries[0]).toMatchObject({ status: 200, body: 'success' });
  return expectEventually(async () => {
    const [row] = await ds.query<{ id: string }[]>(
      `SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.integration_id = $1 AND ct.external_id = $2`,
      [mp.id, openId],
    );
    expect(row?.id).toBeDefined();
    return row!.id;
  });
}

/** The conversation's one inbound message (through the desk API) and its media row once final. */
async function inboundWithMedia(conversationId: string): Promise<{ message: MessageView; media: MediaInfo }> {
  const message = await expectEventually(async () => {
    const res = await app.api<MessageView[]>('GET', `/api/conversations/${conversationId}/messages`, undefined, app.adminToken);
    expect(res.status).toBe(200);
    const inbound = res.body.filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(1);
    expect(inbound[0]!.content?.['mediaFileId']).toEqual(expect.any(String));
    return inbound[0]!;
  });
  const media = await expectEventually(
    async () => {
      const info = await app.api<MediaInfo>('GET', `/api/media/${String(message.content!['mediaFileId'])}/info`, undefined, app.adminToken);
      expect(info.status).toBe(200);
      expect(info.body.status).not.toBe('pending');
      return info.body;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return { message, media };
}

async function getMedia(id: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${app.url}/api/media/${id}`, { headers: { authorization: `Bearer ${app.adminToken}` } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe('公众号 inbound media', () => {
  it('stores an image by its MediaId; the bytes equal what WeChat served; the PicUrl is never fetched', async () => {
    const mediaId = `img_${randomBytes(6).toString('hex')}`;
    sim.mp.addMedia(mediaId, JPEG, 'image/jpeg', { fileName: 'photo.jpg', appId: mp.account.appId });
    // A PicUrl on a server of its own: any request for it (with or without a token) would be recorded.
    const picUrl = `${cdnUrl}/mmbiz_jpg/should-never-be-fetched/0`;
    const calls0 = sim.mp.callCount('media/get');
    const conversationId = await send('mp-media-user-1', { type: 'image', mediaId, picUrl });
    const { message, media } = await inboundWithMedia(conversationId);
    expect(message).toMatchObject({ type: 'image', content: { media: { mediaId } } });
    const sha256 = createHash('sha256').update(JPEG).digest('hex');
    expect(media).toMatchObject({ status: 'stored', messageId: message.id, contentType: 'image/jpeg', fileName: 'photo.jpg', size: JPEG.length, sha256, error: null });
    expect(readFileSync(join(mediaDir, sha256.slice(0, 2), sha256)).equals(JPEG)).toBe(true);
    const served = await getMedia(media.id);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(JPEG)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/jpeg');

    // One media/get, on the MP API with the account's token; nothing asked for the PicUrl.
    const calls = sim.mp.calls('media/get').slice(calls0);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tenant: mp.account.appId, errcode: 0 });
    expect(calls[0]!.query['media_id']).toBe(mediaId);
    expect(sim.mp.checkAccessToken(calls[0]!.query['access_token'] ?? null)).toMatchObject({ ok: true });
    const [ext] = await ds.query<{ pic: string }[]>(`SELECT content->'extra'->>'PicUrl' AS pic FROM messages WHERE id = $1`, [message.id]);
    expect(ext?.pic).toBe(picUrl); // kept as data, never requested
    expect(cdnHits).toEqual([]);
  });

  it('stores a voice message (with its recognition as text)', async () => {
    const amr = Buffer.concat([Buffer.from('#!AMR\n'), randomBytes(512)]);
    const mediaId = `voice_${randomBytes(6).toString('hex')}`;
    sim.mp.addMedia(mediaId, amr, 'audio/amr');
    const conversationId = await send('mp-media-user-2', { type: 'voice', mediaId, format: 'amr', recognition: '你好' });
    const { message, media } = await inboundWithMedia(conversationId);
    expect(message).toMatchObject({ type: 'voice', text: '你好' });
    expect(media).toMatchObject({ status: 'stored', contentType: 'audio/amr', size: amr.length });
    expect((await getMedia(media.id)).bytes.equals(amr)).toBe(true);
  });

  it('refuses a file larger than the cap, with a clear error on the media row; the message stays', async () => {
    const big = Buffer.alloc(MP_MEDIA_MAX_BYTES + 1, 0x61);
    const mediaId = `big_${randomBytes(6).toString('hex')}`;
    sim.mp.addMedia(mediaId, big, 'video/mp4');
    const conversationId = await send('mp-media-user-3', { type: 'video', mediaId, thumbMediaId: 'thumb-1' });
    const { message, media } = await inboundWithMedia(conversationId);
    expect(message.type).toBe('video');
    expect(media.status).toBe('failed');
    expect(media.error).toMatchObject({ code: 'INVALID', platformCode: 'TOO_LARGE' });
    expect(media.error!.message).toContain(`more than the limit of ${MP_MEDIA_MAX_BYTES}`);
    // Final at once: never retried.
    const [row] = await ds.query<{ attempts: number }[]>('SELECT attempts FROM media_files WHERE id = $1', [media.id]);
    expect(row!.attempts).toBe(1);
    expect((await getMedia(media.id)).status).toBe(410);
  });

  it('marks an unknown (expired) MediaId as failed with 40007, tried once', async () => {
    const conversationId = await send('mp-media-user-4', { type: 'image', mediaId: 'expired-media-id' });
    const { media } = await inboundWithMedia(conversationId);
    expect(media).toMatchObject({ status: 'failed', error: { platformCode: '40007' } });
    expect(media.error!.message).toContain('media expired or unknown');
  });
});
