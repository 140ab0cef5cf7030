import { readFile } from 'node:fs/promises';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { DataSource } from 'typeorm';
import { type OutgoingMessage, RETRYABLE_BY_DEFAULT } from '@imbridge/contracts';
import { type ContentClaims, PlatformError, type SendContext, type Sender } from '@imbridge/platform-core';
import { MediaFileEntity, MessageEntity, OutboundMessageEntity } from '@imbridge/persistence';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { MediaService } from '../media/media.service';
import { storedImageFileId } from '../media/media-upload';
import { RedisLock, RedisService } from '../common/redis.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OUTBOUND_QUEUE, type OutboundJob, type OutboundQueueJob } from '../queue/queues';
import { OutboundService, wakeKey } from './outbound.service';
import { LuaScript, runScript } from './lua-script';
import { NodeHttpClient } from './node-http.client';
import { Batcher, OutboxStore } from './outbox-store';
import { RateLimitedHttpClient } from './rate-limited-http.client';
import { type Permit, SendRateLimiter } from './rate-limiter.service';
import { RedisTokenStore } from './redis-token-store';

export const MAX_SEND_ATTEMPTS = 8;
/**
 * The conversation's send lock: short, so that the conversations of a process that died are taken
 * over within seconds (the sweeper re-dispatches them), and renewed every third of it while held.
 */
const LOCK_TTL_MS = 15_000;
/**
 * The send lock is known to be ours without asking Redis while at least this much of its TTL is left
 * (counted from before the SET or PEXPIRE that last succeeded) and the Redis connection has not
 * dropped since: the heartbeat renews it every third of the TTL.
 */
const LOCK_TRUST_MS = LOCK_TTL_MS / 2;
/** A message due this soon is waited for in place (see sendAll). */
const INLINE_WAIT_MAX_MS = 1_000;
/** Outbound jobs one worker process runs at once (conversations drained side by side). */
export const OUTBOUND_CONCURRENCY = 64;

/**
 * Claims content digests (see ContentClaims), each for its own message: KEYS[i] is the digest's key,
 * ARGV[2i-1] the message, ARGV[2i] the seconds to keep it. Each is granted (1) when free or already
 * that message's, else refused (0). The claims of concurrent sends share one call.
 */
const CLAIM_CONTENT = new LuaScript(`
local out = {}
for i, key in ipairs(KEYS) do
  local owner = ARGV[2 * i - 1]
  if redis.call('SET', key, owner, 'NX', 'EX', tonumber(ARGV[2 * i])) then out[i] = 1
  elseif redis.call('GET', key) == owner then out[i] = 1
  else out[i] = 0 end
end
return out`);

interface Claim {
  key: string;
  owner: string;
  ttlSeconds: number;
}

/**
 * The conversation's send lock while this process holds it: renewed by a heartbeat, and asked about
 * only when it might have lapsed (its last renewal is old, or the Redis connection dropped since —
 * a Redis that came back empty has forgotten it).
 */
class HeldLock {
  private trustedUntil: number;
  private readonly epoch: number;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly lock: RedisLock,
    takenAt: number,
    private readonly connectionEpoch: () => number,
  ) {
    this.trustedUntil = takenAt + LOCK_TRUST_MS;
    this.epoch = connectionEpoch();
    // Kept alive while this process works (a slow platform call included); it lapses soon after a crash.
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), LOCK_TTL_MS / 3);
    this.heartbeat.unref();
  }

  /** Still ours? Asks Redis (and renews) only when that is not known. */
  async held(): Promise<boolean> {
    if (performance.now() < this.trustedUntil && this.connectionEpoch() === this.epoch) return true;
    return this.renew();
  }

  private async renew(): Promise<boolean> {
    const at = performance.now();
    const ok = await this.lock.extend(LOCK_TTL_MS);
    if (ok && this.connectionEpoch() === this.epoch) this.trustedUntil = at + LOCK_TRUST_MS;
    else if (!ok) this.trustedUntil = 0;
    return ok;
  }

  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.lock.release();
  }
}

/**
 * Exponential backoff with jitter; a platform's own delay wins when it gives one. `baseMs` is the
 * first delay (IMBRIDGE_RETRY_BASE_MS); rate-limit errors start five times higher.
 */
export function backoffMs(attempt: number, err: PlatformError, baseMs = 1_000): number {
  if (err.retryAfterMs) return err.retryAfterMs;
  const base = err.code === 'RATE_LIMITED' ? 5 * baseMs : baseMs;
  const exp = Math.min(base * 2 ** (attempt - 1), 10 * 60_000);
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

/** Errors the administrator must fix; shown on the integration. */
const SURFACE = new Set(['CONFIG', 'PERMISSION']);

/**
 * Sends a conversation's outbox in order. One process at a time per conversation (Redis lock); it
 * always takes the oldest unfinished message first, so a message waiting for a retry holds back the
 * ones after it. This class, not the adapter, decides retry / dead-letter from the normalized error.
 */
@Injectable()
export class OutboundSender implements OnApplicationShutdown {
  private readonly logger = new Logger('OutboundSender');
  private readonly http: GuardedHttpClient;
  private readonly retryBaseMs: number;
  private readonly store: OutboxStore;
  private readonly claims: Batcher<Claim, boolean>;
  /** Conversations whose send lock this process holds now. */
  private readonly holding = new Set<string>();
  /** Counts the Redis connection's drops: a lock known before one may be gone after it. */
  private redisEpoch = 0;
  private readonly onRedisClose = (): void => {
    this.redisEpoch++;
  };

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly registry: PlatformRegistry,
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    private readonly limiter: SendRateLimiter,
    private readonly outbound: OutboundService,
    private readonly notifier: DeskNotifier,
    private readonly media: MediaService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls), new NodeHttpClient());
    this.retryBaseMs = config.retryBaseMs;
    this.store = new OutboxStore(ds);
    this.claims = new Batcher((claims) => this.claimAll(claims), 2, 200);
    this.redis.client.on('close', this.onRedisClose);
  }

  onApplicationShutdown(): void {
    this.redis.client.off('close', this.onRedisClose);
  }

  async drain(job: OutboundJob): Promise<void> {
    const { conversationId } = job;
    // No cap on the rounds: a job that found the lock busy has already returned and relies on the
    // holder's re-check, so stopping while a message is due would strand it until the sweeper. Each
    // round either sends something or ends because nothing is due (or another process took over).
    for (;;) {
      // This process is draining the conversation right now: it looks again after releasing the
      // lock, and this job's message was committed before the job existed, so it will be seen.
      if (this.holding.has(conversationId)) return;
      // Nothing due: nothing for this job to do (a message committed later has a job of its own, a
      // retry its wake-up). Checked before the lock, so a job whose message an earlier job already
      // sent costs one (shared) query. After a round, this is the re-check for messages committed
      // while we held the lock: their jobs found it busy.
      if (!(await this.nextDue(conversationId))) return;
      const lockKey = this.redis.key('outbound-lock', conversationId);
      const takenAt = performance.now();
      const lock = await RedisLock.acquire(this.redis.client, lockKey, LOCK_TTL_MS);
      if (!lock) {
        // A live holder re-checks after releasing, so our message is not left behind; a holder that
        // died does not: look again when its lock lapses. When the holder is this process, it is alive.
        if (!this.holding.has(conversationId)) await this.recheckAfter(job, lockKey);
        return;
      }
      const held = new HeldLock(lock, takenAt, () => this.redisEpoch);
      this.holding.add(conversationId);
      try {
        await this.sendAll(conversationId, held);
      } finally {
        this.holding.delete(conversationId);
        await held.release();
      }
    }
  }

  /**
   * One delayed re-check per conversation and lock period (a marker in Redis), due just after the
   * current holder's lock would lapse: if the holder died mid-send, its conversation resumes within
   * the lock's TTL instead of waiting for the sweeper's staleness threshold.
   */
  private async recheckAfter(job: OutboundJob, lockKey: string): Promise<void> {
    const ttl = await this.redis.client.pttl(lockKey);
    if (ttl <= 0) return; // released meanwhile: its holder re-checks
    const delay = ttl + 500;
    const first = await this.redis.client.set(this.redis.key('outbound-recheck', job.conversationId), '1', 'PX', delay, 'NX');
    if (first === 'OK') await this.outbound.dispatch(job, delay, `recheck-${Date.now() + delay}`);
  }

  /** The conversation's next message if it is due now (its oldest unfinished; a retry in backoff holds back the rest). */
  private async nextDue(conversationId: string): Promise<OutboundMessageEntity | null> {
    const row = await this.store.oldestUnfinished(conversationId);
    return row && row.nextAttemptAt.getTime() <= Date.now() ? row : null;
  }

  /**
   * Sends the conversation's unfinished messages oldest first, under its lock. They are read a page
   * at a time: a message committed later has a higher seq (replies take their seq in commit order),
   * so it comes after the page; a row someone else changed meanwhile (a callback handed it out, a
   * report failed it) is found by its conditional 'sending' mark, and the page is read again.
   */
  private async sendAll(conversationId: string, lock: HeldLock): Promise<void> {
    for (;;) {
      const page = await this.store.unfinished(conversationId);
      if (page.length === 0) return;
      for (const row of page) {
        const wait = row.nextAttemptAt.getTime() - Date.now();
        if (wait > INLINE_WAIT_MAX_MS) {
          await this.outbound.dispatch({ conversationId, outboundId: row.id }, wait, wakeKey(row.attempts, row.nextAttemptAt));
          return;
        }
        // Due within moments, or our clock trails the one that set the time: wait here. A wake-up job
        // queued now could carry the id of the very job running this drain, and Bull would drop it.
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        // Lost the lock (a send outlived its TTL): another process may own the conversation now, and
        // two senders would break the order.
        if (!(await lock.held())) return;
        const next = await this.sendOne(row);
        if (next === 'stop') return;
        if (next === 'reread') break;
      }
    }
  }

  /**
   * An image an agent uploaded is stored with us (`mediaFileId`): the platform gets the file through
   * the sender's upload capability first (on every attempt: platform media ids expire), then the
   * image by the media id it answered.
   */
  private async withPlatformMedia(sender: Sender, ctx: SendContext, payload: OutgoingMessage): Promise<OutgoingMessage> {
    const fileId = storedImageFileId(payload);
    if (!fileId) return payload;
    if (!sender.upload) throw new PlatformError('CONFIG', 'this platform cannot receive uploaded images', { platformCode: 'NO_UPLOAD', retryable: false });
    const file = await this.ds.getRepository(MediaFileEntity).findOne({ where: { id: fileId } });
    if (!file || file.status !== 'stored' || !file.storedPath) throw new PlatformError('INVALID', 'the uploaded image is missing', { platformCode: 'NO_MEDIA_FILE', retryable: false });
    const bytes = await readFile(this.media.absolute(file.storedPath)).catch(() => null);
    if (!bytes) throw new PlatformError('INVALID', 'the uploaded image is missing from the media directory', { platformCode: 'MEDIA_MISSING', retryable: false });
    const mediaId = await sender.upload(ctx, { kind: 'image', bytes, fileName: file.fileName ?? 'image', contentType: file.contentType ?? 'application/octet-stream' });
    return { type: 'image', mediaId };
  }

  /**
   * The platform's delivery policy (DeliveryPolicy) before a queued message is sent: it may hold the
   * message (`awaiting_pickup`, shown as `held`) until the platform picks it up — e.g. as the reply to
   * the user's next callback — or refuse what the channel cannot carry. Only from 'queued': a callback
   * may have handed it out already. True when the message was not sent here.
   */
  private async applyDeliveryPolicy(row: OutboundMessageEntity): Promise<boolean> {
    const integration = await this.integrations.runtime(row.integrationId);
    const policy = integration ? this.registry.hooks(integration.platform).delivery : undefined;
    if (!integration || !policy) return false;
    const decision = policy.decide(integration, row.payload);
    if (decision.action === 'send') return false;
    const now = new Date();
    if (decision.action === 'refuse') {
      const error = decision.error;
      await this.ds.transaction(async (m) => {
        await m.update(OutboundMessageEntity, { id: row.id, status: 'queued' }, { status: 'dead', lastError: { ...error, retryable: false }, updatedAt: now });
        await m.update(MessageEntity, { id: row.messageId }, { status: 'failed', error });
      });
    } else {
      const moved = await this.ds.getRepository(OutboundMessageEntity).update({ id: row.id, status: 'queued' }, { status: 'awaiting_pickup', updatedAt: now });
      if (moved.affected) await this.ds.getRepository(MessageEntity).update({ id: row.messageId, status: 'queued' }, { status: 'held' });
    }
    this.notifier.messageUpdated(row.messageId);
    return true;
  }

  /** The Redis-backed ContentClaims of one message, scoped to its integration. */
  private claimsFor(row: OutboundMessageEntity): ContentClaims {
    return {
      claim: (digest, ttlSeconds) => this.claims.add({ key: this.redis.key('send-claim', row.integrationId, digest), owner: row.id, ttlSeconds: Math.max(1, Math.ceil(ttlSeconds)) }),
    };
  }

  private async claimAll(claims: Claim[]): Promise<boolean[]> {
    const args = claims.flatMap((c) => [c.owner, String(c.ttlSeconds)]);
    const granted = (await runScript(this.redis.client, CLAIM_CONTENT, claims.map((c) => c.key), args)) as number[];
    return granted.map((g) => g === 1);
  }

  /** One permit of the integration's send budget, as the integration reads now (a change applies at once); resolves with its slot's time. */
  private async permit(integrationId: string): Promise<Permit> {
    const integration = await this.integrations.runtime(integrationId);
    if (!integration) throw new PlatformError('CONFIG', 'integration deleted', { platformCode: 'NO_INTEGRATION' });
    return this.limiter.acquire(integrationId, integration.sendRatePerSecond);
  }

  /**
   * 'next': go on with the conversation's next message; 'stop': the conversation must wait (a retry
   * is scheduled); 'reread': the row changed since it was read (nothing was sent), read again.
   */
  private async sendOne(row: OutboundMessageEntity): Promise<'next' | 'stop' | 'reread'> {
    if (row.status === 'queued' && (await this.applyDeliveryPolicy(row))) return 'next';
    // 'sending' is written before every request leaves ("attempt started"); finding it again means
    // the attempt's outcome is unknown (the process died mid-send). The sender then relies on the
    // platform's idempotency (the same key or the same content), where the platform has one.
    const inDoubt = row.status === 'sending';
    if (inDoubt) this.logger.warn(`outbound ${row.id}: attempt ${row.attempts} was cut off with its outcome unknown; sending again under the platform's idempotency`);
    const attempts = row.attempts + 1;
    // Only if the row is still as read (status and attempts): then no other sender or callback took it.
    if (!(await this.store.markSending(row, new Date()))) return 'reread';
    try {
      const integration = await this.integrations.runtime(row.integrationId);
      if (!integration) throw new PlatformError('CONFIG', 'integration deleted', { platformCode: 'NO_INTEGRATION' });
      if (!integration.enabled) throw new PlatformError('CONFIG', 'integration disabled', { platformCode: 'DISABLED', retryable: false });
      const sender = this.registry.require(integration.platform).sender;
      if (!sender) throw new PlatformError('CONFIG', `platform ${integration.platform} cannot send`, { platformCode: 'NO_SENDER' });
      // Every platform call of this send waits for the integration's budget (the lock's heartbeat
      // keeps it meanwhile, however long that takes).
      const http = new RateLimitedHttpClient(this.http, () => this.permit(row.integrationId));
      const ctx: SendContext = { integrationId: row.integrationId, config: integration.config, tokens: this.tokens, http, idempotencyKey: row.id, inDoubt, claims: this.claimsFor(row) };
      const result = await sender.send(ctx, row.recipient, await this.withPlatformMedia(sender, ctx, row.payload));
      // Outbox row and message 'sent' in one statement shared with other conversations' marks; only
      // from 'sending': a platform's failure report ("accepted" did not mean delivered) may have
      // overtaken this answer and failed the message already.
      await this.store.markSent(row.id, new Date(), result.platformMessageIds);
      this.notifier.messageUpdated(row.messageId);
      return 'next';
    } catch (raw) {
      const err = raw instanceof PlatformError ? raw : new PlatformError('TEMPORARY', (raw as Error).message ?? String(raw), { cause: raw, platformCode: 'INTERNAL' });
      const retry = err.retryable && attempts < MAX_SEND_ATTEMPTS;
      const lastError = { code: err.code, message: err.message.slice(0, 500), platformCode: err.platformCode, retryable: retry };
      const now = new Date();
      if (retry) {
        const delay = backoffMs(attempts, err, this.retryBaseMs);
        const nextAttemptAt = new Date(now.getTime() + delay);
        await this.ds.transaction(async (m) => {
          await m.update(OutboundMessageEntity, { id: row.id }, { status: 'queued', nextAttemptAt, lastError, updatedAt: now });
          await m.update(MessageEntity, { id: row.messageId }, { error: { code: err.code, message: lastError.message, platformCode: err.platformCode } });
        });
        this.notifier.messageUpdated(row.messageId);
        this.logger.warn(`outbound ${row.id} attempt ${attempts} failed (${err.code} ${err.platformCode ?? ''}); retry in ${delay} ms`);
        await this.outbound.dispatch({ conversationId: row.conversationId, outboundId: row.id }, delay, wakeKey(attempts, nextAttemptAt));
        return 'stop';
      }
      // Dead letter: visible on the message, re-drivable by an admin; later messages go on.
      await this.ds.transaction(async (m) => {
        await m.update(OutboundMessageEntity, { id: row.id }, { status: 'dead', lastError, updatedAt: now });
        await m.update(MessageEntity, { id: row.messageId }, { status: 'failed', error: { code: err.code, message: lastError.message, platformCode: err.platformCode } });
      });
      this.notifier.messageUpdated(row.messageId);
      if (SURFACE.has(err.code)) await this.integrations.setLastError(row.integrationId, err.platformCode ?? err.code, err.message.slice(0, 500));
      this.logger.warn(`outbound ${row.id} dead-lettered after ${attempts} attempt(s): ${err.code} ${err.platformCode ?? ''} (retryable by default: ${RETRYABLE_BY_DEFAULT[err.code]})`);
      return 'next';
    }
  }
}

/** Conversations of one batch job drained at once. */
const BATCH_DRAINS_AT_ONCE = 64;

@Processor(OUTBOUND_QUEUE)
export class OutboundProcessor {
  constructor(private readonly sender: OutboundSender) {}

  @Process({ concurrency: OUTBOUND_CONCURRENCY })
  async handle(job: Job<OutboundQueueJob>): Promise<void> {
    if (!('batch' in job.data)) {
      await this.sender.drain(job.data);
      return;
    }
    // Each conversation drained under its own lock, a few side by side. A failure fails the job and
    // Bull runs it again: a drain with nothing due costs one query, so the others do not repeat work.
    const drains = job.data.batch;
    let next = 0;
    const errors: unknown[] = [];
    const worker = async (): Promise<void> => {
      while (next < drains.length) {
        const d = drains[next++]!;
        await this.sender.drain(d).catch((err: unknown) => errors.push(err));
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_DRAINS_AT_ONCE, drains.length) }, worker));
    if (errors.length > 0) throw errors[0];
  }
}
