import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource, type EntityManager } from 'typeorm';
import { PlatformError } from '@imbridge/platform-core';
import { MediaFileEntity } from '@imbridge/persistence';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { RedisTokenStore } from '../outbound/redis-token-store';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import { ApiError } from '../common/api-error';
import { chooseContentType, defaultFileName, MEDIA_QUEUE, type MediaJob, normalizeContentType, safeFileName, sniffContentType, storedPathOf } from './media-files';
import { UPLOAD_IMAGE_TYPES, UPLOAD_MAX_BYTES } from './media-upload';

/** Download attempts (Bull retries with backoff) before a temporary failure becomes final. */
export const MEDIA_MAX_ATTEMPTS = 6;
/** The largest platform file limits we know (20 MB), a little slack, then refuse; a platform may refuse earlier. */
export const MEDIA_MAX_BYTES = 25 * 1024 * 1024;
const MEDIA_TYPES = new Set(['image', 'voice', 'video', 'file']);
/** A pending row untouched this long lost its job (Redis flushed, worker died): dispatch it again. */
const STALE_PENDING_MS = 60_000;

export interface MediaFileView {
  id: string;
  integrationId: string | null;
  messageId: string | null;
  status: MediaFileEntity['status'];
  contentType: string | null;
  fileName: string | null;
  size: number | null;
  sha256: string | null;
  error: MediaFileEntity['error'];
  createdAt: string;
}

export function mediaFileView(r: MediaFileEntity): MediaFileView {
  return {
    id: r.id,
    integrationId: r.integrationId,
    messageId: r.messageId,
    status: r.status,
    contentType: r.contentType,
    fileName: r.fileName,
    size: r.size === null ? null : Number(r.size),
    sha256: r.sha256,
    error: r.error,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

interface MessageRow {
  id: string;
  integration_id: string;
  type: string;
  content: { media?: { mediaId?: string; fileName?: string }; mediaFileId?: string } | null;
}

/**
 * Copies inbound media (images, voice, video, files) from the platform into local storage, after the
 * message is committed and outside the conversation lock: a `media_files` row per message, a Bull job
 * per row, content-addressed files under IMBRIDGE_MEDIA_DIR.
 */
@Injectable()
export class MediaService implements OnApplicationShutdown {
  private readonly logger = new Logger('Media');
  private readonly http: GuardedHttpClient;
  private readonly dir: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    private readonly registry: PlatformRegistry,
    @InjectQueue(MEDIA_QUEUE) private readonly queue: Queue<MediaJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls));
    this.dir = resolve(config.mediaDir);
  }

  /** Called by the inbox after it committed an event's message; never throws, never waits for the download. */
  /** Queues the download of a media row registered in a committed transaction (best effort: the re-queue timer covers a loss). */
  afterCommit(mediaFileId: string): void {
    void this.enqueue(mediaFileId).catch((err) => this.logger.warn(`media ${mediaFileId} not queued now (${(err as Error).message}); it will be re-queued`));
  }

  /**
   * Creates the media row of the event's message (once) inside the caller's transaction — the inbox's,
   * so a stored message with media always has its row. Returns the row id and whether it is new.
   */
  async registerForInboxEvent(inboxEventId: string, m: EntityManager = this.ds.manager): Promise<{ id: string; isNew: boolean } | null> {
    const [msg]: MessageRow[] = await m.query(`SELECT id, integration_id, type, content FROM messages WHERE inbox_event_id = $1 AND direction = 'in'`, [inboxEventId]);
    const mediaId = msg?.content?.media?.mediaId;
    if (!msg || !mediaId || !MEDIA_TYPES.has(msg.type)) return null;
    const inserted: { id: string }[] = await m.query(
      `INSERT INTO media_files (integration_id, message_id, platform_media_id) VALUES ($1, $2, $3)
       ON CONFLICT (message_id) DO NOTHING RETURNING id`,
      [msg.integration_id, msg.id, mediaId.slice(0, 512)],
    );
    const id = inserted[0]?.id ?? (await m.getRepository(MediaFileEntity).findOne({ where: { messageId: msg.id } }))?.id;
    if (!id) return null;
    if (msg.content?.mediaFileId !== id) {
      await m.query(`UPDATE messages SET content = jsonb_set(COALESCE(content, '{}'::jsonb), '{mediaFileId}', to_jsonb($2::text)) WHERE id = $1`, [msg.id, id]);
    }
    return { id, isNew: inserted.length > 0 };
  }

  async enqueue(mediaFileId: string): Promise<void> {
    await this.queue.add(
      { mediaFileId },
      { jobId: `media-${mediaFileId}`, attempts: MEDIA_MAX_ATTEMPTS, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: true },
    );
  }

  /**
   * One download attempt. Returns normally when the row is final (stored, or failed for good); throws
   * when a temporary error should be retried by the queue (`final` false).
   */
  async download(mediaFileId: string, final: boolean): Promise<void> {
    const repo = this.ds.getRepository(MediaFileEntity);
    // Claim the attempt (a CTE, so the driver answers rows as for a SELECT).
    const claimed: { id: string; integration_id: string; message_id: string; platform_media_id: string }[] = await this.ds.query(
      `WITH c AS (UPDATE media_files SET attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status = 'pending'
         RETURNING id, integration_id, message_id, platform_media_id) SELECT * FROM c`,
      [mediaFileId],
    );
    const raw = claimed[0];
    const row = raw && repo.create({ id: raw.id, integrationId: raw.integration_id, messageId: raw.message_id, platformMediaId: raw.platform_media_id });
    if (!row) return; // stored or failed meanwhile
    try {
      await this.fetchAndStore(row);
    } catch (thrown) {
      const err = thrown instanceof PlatformError ? thrown : new PlatformError('TEMPORARY', (thrown as Error).message ?? String(thrown), { platformCode: 'INTERNAL' });
      const error = { code: err.code, message: err.message.slice(0, 500), ...(err.platformCode ? { platformCode: err.platformCode } : {}) };
      if (err.retryable && !final) {
        await repo.update({ id: row.id, status: 'pending' }, { error, updatedAt: new Date() });
        this.logger.warn(`media ${row.id}: ${err.message}; will retry`);
        throw err;
      }
      await repo.update({ id: row.id, status: 'pending' }, { status: 'failed', error, updatedAt: new Date() });
      this.logger.warn(`media ${row.id} failed: ${err.message}`);
    }
  }

  private async fetchAndStore(row: MediaFileEntity): Promise<void> {
    if (!row.integrationId || !row.messageId || !row.platformMediaId) {
      throw new PlatformError('INVALID', 'not an inbound media file', { platformCode: 'NOT_INBOUND', retryable: false });
    }
    const integration = await this.integrations.runtime(row.integrationId);
    if (!integration) throw new PlatformError('CONFIG', 'integration deleted', { platformCode: 'NO_INTEGRATION', retryable: false });
    const [msg]: MessageRow[] = await this.ds.query(`SELECT id, integration_id, type, content FROM messages WHERE id = $1`, [row.messageId]);
    if (!msg) throw new PlatformError('INVALID', 'message deleted', { platformCode: 'NO_MESSAGE', retryable: false });
    // The platform's capability 'media-download' (its adapter's `media`); the gateway's cap still applies below.
    const media = this.registry.get(integration.platform)?.media;
    if (!media) {
      throw new PlatformError('CONFIG', `downloading media of ${integration.platform} is not supported yet`, { platformCode: 'UNSUPPORTED', retryable: false });
    }
    const got = await media.download({ http: this.http, tokens: this.tokens, config: integration.config, maxBytes: MEDIA_MAX_BYTES }, row.platformMediaId);
    if (got.bytes.length > MEDIA_MAX_BYTES) throw new PlatformError('INVALID', `media larger than ${MEDIA_MAX_BYTES} bytes`, { platformCode: 'TOO_LARGE', retryable: false });
    const sha256 = createHash('sha256').update(got.bytes).digest('hex');
    const storedPath = storedPathOf(sha256);
    await this.writeOnce(storedPath, got.bytes);
    const givenName = safeFileName(got.fileName) ?? safeFileName(msg.content?.media?.fileName);
    const contentType = chooseContentType(got.contentType, got.bytes, givenName, msg.type);
    const fileName = givenName ?? defaultFileName(msg.type, row.id, contentType);
    await this.ds.getRepository(MediaFileEntity).update(
      { id: row.id, status: 'pending' },
      { status: 'stored', contentType, fileName, size: String(got.bytes.length), sha256, storedPath, error: null, updatedAt: new Date() },
    );
  }

  /**
   * Stores an image an agent uploads to send: png/jpeg/gif recognised by their first bytes (the
   * declared Content-Type must agree), at most 10 MB, content-addressed like inbound media.
   */
  async storeUpload(bytes: unknown, declaredType: string | undefined, rawFileName: string | undefined, userId: string): Promise<{ id: string; contentType: string; size: number; fileName: string }> {
    const declared = normalizeContentType(declaredType);
    if (!declared || !(UPLOAD_IMAGE_TYPES as readonly string[]).includes(declared)) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'upload the raw bytes of a PNG, JPEG or GIF image with its Content-Type', '仅支持上传 PNG、JPEG 或 GIF 图片（请求体为图片原始字节，并设置对应的 Content-Type）');
    }
    if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new ApiError(400, 'EMPTY_UPLOAD', 'the request body is empty', '上传内容为空');
    if (bytes.length > UPLOAD_MAX_BYTES) throw new ApiError(413, 'TOO_LARGE', `images are limited to ${UPLOAD_MAX_BYTES} bytes`, '图片不能超过 10 MB');
    const sniffed = sniffContentType(bytes);
    if (sniffed !== declared) {
      throw new ApiError(400, 'NOT_AN_IMAGE', `the bytes are not a ${declared} image`, `文件内容不是有效的 ${declared.replace('image/', '').toUpperCase()} 图片`, { declared, detected: sniffed });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const storedPath = storedPathOf(sha256);
    await this.writeOnce(storedPath, bytes);
    const id = randomUUID();
    const fileName = safeFileName(rawFileName) ?? defaultFileName('image', id, declared);
    await this.ds.getRepository(MediaFileEntity).insert({
      id,
      integrationId: null,
      messageId: null,
      platformMediaId: null,
      uploadedBy: userId,
      contentType: declared,
      fileName,
      size: String(bytes.length),
      sha256,
      storedPath,
      status: 'stored',
      error: null,
    });
    return { id, contentType: declared, size: bytes.length, fileName };
  }

  /** Content-addressed: an existing file with this hash already holds these bytes. Written via a temp file + rename. */
  private async writeOnce(storedPath: string, bytes: Buffer): Promise<void> {
    const full = this.absolute(storedPath);
    const existing = await stat(full).catch(() => null);
    if (existing?.isFile() && existing.size === bytes.length) return;
    await mkdir(dirname(full), { recursive: true });
    const tmp = `${full}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, bytes, { mode: 0o640 });
      await rename(tmp, full);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** The file of a stored row; refuses anything that would leave the media directory. */
  absolute(storedPath: string): string {
    const full = resolve(join(this.dir, storedPath));
    if (!full.startsWith(this.dir + sep)) throw new Error('media path outside the media directory');
    return full;
  }

  async get(id: string): Promise<MediaFileEntity | null> {
    return this.ds.getRepository(MediaFileEntity).findOne({ where: { id } });
  }

  /** Worker side: re-queue rows whose job was lost. */
  startSweeping(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), Math.max(this.config.sweepIntervalMs, 1000));
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM media_files WHERE status = 'pending' AND updated_at < now() - ($1::int * interval '1 millisecond') ORDER BY created_at LIMIT 100`,
      [STALE_PENDING_MS],
    );
    for (const r of rows) await this.enqueue(r.id);
    return rows.length;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
