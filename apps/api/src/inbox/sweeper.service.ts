import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisLock, RedisService } from '../common/redis.service';
import { InboxDispatcher } from '../callbacks/inbox-dispatcher.service';
import { OutboundService, wakeKey } from '../outbound/outbound.service';

/** Inbox rows are kept at least this long: longer than any platform retries (Feishu ≈ 7 h) and than the replay tolerance cap. */
export const INBOX_RETENTION_DAYS = 8;

/** The recovery lock's lifetime: longer than one sweep takes. */
const RECOVERY_LOCK_MS = 10_000;
/** How often PostgreSQL is probed while it is known to be away. */
const DB_PROBE_INTERVAL_MS = 500;

/**
 * Re-dispatches work that Redis lost or a dead worker left: inbox events still pending (not stored) or
 * deciding (stored, the bot's decision not committed), outbox rows still queued/sending after a while. PostgreSQL is the record; this makes Bull only a dispatcher.
 *
 * Two kinds of rounds:
 * - periodic (`tick`): rows older than the staleness thresholds, for whatever nobody noticed;
 * - recovery (`recover`): at once, and with only a short grace, when this process starts, when Redis
 *   comes back (its jobs may be gone), and when PostgreSQL answers again after failing (jobs failed
 *   meanwhile). Waiting work then resumes within seconds, not after the staleness threshold.
 * Re-dispatching work that a live process is doing is harmless: Bull ignores a jobId it still holds,
 * an inbox conversation is processed under an advisory lock and an outbox conversation under a Redis
 * lock, and one recovery round runs at a time across processes (a Redis lock of its own).
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastPurge = 0;
  private recovering: Promise<void> | null = null;
  private recoverAgain: string | null = null;
  private dbProbe: NodeJS.Timeout | undefined;
  private redisWasLost = false;
  private stopped = false;

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly inbox: InboxDispatcher,
    private readonly outbound: OutboundService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
    this.timer.unref();
    // What a process that died before us left, without waiting for it to turn stale.
    void this.recover('start-up');
    const client = this.redis.client;
    client.on('close', () => {
      this.redisWasLost = true;
    });
    client.on('ready', () => {
      if (!this.redisWasLost) return;
      this.redisWasLost = false;
      void this.recover('Redis reconnected');
    });
    // PostgreSQL going away shows first on the idle pooled connections it terminates.
    const pool = (this.ds.driver as unknown as { master?: { on?(event: 'error', listener: (err: Error) => void): void } }).master;
    pool?.on?.('error', () => this.databaseTrouble());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.dbProbe);
  }

  /**
   * PostgreSQL failed: probe it every 500 ms until it answers, then recover (jobs that failed while it
   * was away were dropped by Bull after their attempts; their rows wait).
   */
  databaseTrouble(): void {
    if (this.dbProbe || this.stopped) return;
    this.logger.warn('PostgreSQL unreachable; probing it to recover waiting work as soon as it is back');
    const probe = async (): Promise<void> => {
      try {
        await this.ds.query('SELECT 1');
        this.dbProbe = undefined;
        await this.recover('PostgreSQL back');
      } catch {
        if (!this.stopped) this.dbProbe = setTimeout(() => void probe(), DB_PROBE_INTERVAL_MS);
      }
    };
    this.dbProbe = setTimeout(() => void probe(), DB_PROBE_INTERVAL_MS);
  }

  /**
   * A recovery round now (see the class comment). Calls that arrive while one runs make one more
   * round after it, so a trigger is never lost.
   */
  recover(reason: string): Promise<void> {
    if (this.recovering) {
      this.recoverAgain = reason;
      return this.recovering;
    }
    this.recovering = (async () => {
      let next: string | null = reason;
      while (next !== null && !this.stopped) {
        this.recoverAgain = null;
        await this.recoverOnce(next);
        next = this.recoverAgain;
      }
    })().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  private async recoverOnce(reason: string): Promise<void> {
    try {
      const grace = this.config.recoveryGraceMs;
      const n = await this.recoveryRound();
      // Work younger than the grace was left to whoever is doing it now; if that was a process that
      // just died, one more round once the grace has passed takes it.
      await new Promise((r) => setTimeout(r, grace + 250).unref());
      const m = this.stopped ? { inbox: 0, outbound: 0 } : await this.recoveryRound();
      if (n.inbox + n.outbound + m.inbox + m.outbound > 0) {
        this.logger.log(`recovery (${reason}): re-dispatched ${n.inbox + m.inbox} inbox and ${n.outbound + m.outbound} outbox conversation(s)`);
      }
    } catch (err) {
      this.logger.warn(`recovery (${reason}) failed: ${(err as Error).message}`);
      this.databaseTrouble();
    }
  }

  /**
   * One recovery sweep under the recovery lock. The lock is short and held only for the sweep: when
   * another process holds it we wait for it (it may have died holding it) rather than skip, since
   * its round may have started before the work we were woken for existed.
   */
  private async recoveryRound(): Promise<{ inbox: number; outbound: number }> {
    let lock: RedisLock | null = null;
    try {
      const deadline = Date.now() + RECOVERY_LOCK_MS + 1_000;
      while (!(lock = await RedisLock.acquire(this.redis.client, this.redis.key('recovery-lock'), RECOVERY_LOCK_MS)) && Date.now() < deadline && !this.stopped) {
        await new Promise((r) => setTimeout(r, 250).unref());
      }
    } catch {
      lock = null; // Redis away: dispatching fails fast, and Redis's return triggers another round
    }
    try {
      const grace = this.config.recoveryGraceMs;
      return await this.sweep({ inboxMs: grace, outboundMs: grace, future: true });
    } finally {
      await lock?.release().catch(() => undefined);
    }
  }

  async tick(): Promise<{ inbox: number; outbound: number }> {
    if (this.running) return { inbox: 0, outbound: 0 };
    this.running = true;
    try {
      // One sweeper at a time across processes. If the lock cannot be taken because Redis is down we
      // still try (a lost lock can only cause a harmless duplicate dispatch); dispatching then fails
      // fast and the rows wait for the next round.
      let lock: RedisLock | null = null;
      try {
        lock = await RedisLock.acquire(this.redis.client, this.redis.key('sweeper-lock'), Math.max(this.config.sweepIntervalMs, 5000));
        if (!lock) return { inbox: 0, outbound: 0 };
      } catch {
        lock = null;
      }
      try {
        return await this.sweep({ inboxMs: this.config.inboxStaleMs, outboundMs: this.config.outboundStaleMs, future: false });
      } catch (err) {
        this.databaseTrouble();
        throw err;
      } finally {
        await lock?.release().catch(() => undefined);
      }
    } catch (err) {
      this.logger.warn(`sweep failed: ${(err as Error).message}`);
      return { inbox: 0, outbound: 0 };
    } finally {
      this.running = false;
    }
  }

  /**
   * Re-dispatches inbox events and outbox rows untouched for `inboxMs` / `outboundMs`. With `future`,
   * also outbox rows waiting for a retry (their delayed wake-up job may be gone with Redis): queued
   * again for their time, under the same jobId as the wake-up, so an existing one is kept.
   */
  private async sweep(age: { inboxMs: number; outboundMs: number; future: boolean }): Promise<{ inbox: number; outbound: number }> {
    const stale: { id: string; integration_id: string; conversation_key: string }[] = await this.ds.query(
      `SELECT DISTINCT ON (integration_id, conversation_key) id, integration_id, conversation_key FROM inbox_events
       WHERE (status = 'pending' OR status = 'deciding') AND received_at < now() - ($1 || ' milliseconds')::interval
       ORDER BY integration_id, conversation_key, id LIMIT 1000`,
      [String(age.inboxMs)],
    );
    if (stale.length > 0) {
      await this.inbox.dispatchNow(stale.map((r) => ({ integrationId: r.integration_id, conversationKey: r.conversation_key, eventId: String(r.id) })));
      this.logger.log(`re-dispatched ${stale.length} conversation(s) with inbox events not yet stored or not yet decided`);
    }
    const outbound: { id: string; conversation_id: string; attempts: number; next_attempt_at: Date }[] = await this.ds.query(
      `SELECT DISTINCT ON (conversation_id) id, conversation_id, attempts, next_attempt_at FROM outbound_messages
       WHERE status IN ('queued', 'sending') AND ($2 OR next_attempt_at < now() - ($1 || ' milliseconds')::interval)
       AND updated_at < now() - ($1 || ' milliseconds')::interval
       ORDER BY conversation_id, seq LIMIT 1000`,
      [String(age.outboundMs), age.future],
    );
    for (const r of outbound) {
      const at = new Date(r.next_attempt_at);
      const wait = at.getTime() - Date.now();
      if (wait > 0) await this.outbound.dispatch({ conversationId: r.conversation_id, outboundId: r.id }, wait, wakeKey(Number(r.attempts), at));
      else await this.outbound.dispatch({ conversationId: r.conversation_id, outboundId: r.id }, 0, Number(r.attempts) + 1000);
    }
    if (Date.now() - this.lastPurge > 3600_000) {
      this.lastPurge = Date.now();
      await this.ds.query(`DELETE FROM inbox_events WHERE status NOT IN ('pending', 'deciding') AND received_at < now() - interval '${INBOX_RETENTION_DAYS} days'`);
    }
    return { inbox: stale.length, outbound: outbound.length };
  }
}
