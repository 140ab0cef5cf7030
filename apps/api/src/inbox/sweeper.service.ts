import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisLock, RedisService } from '../common/redis.service';
import { InboxDispatcher } from '../callbacks/inbox-dispatcher.service';
import { OutboundService } from '../outbound/outbound.service';

/** Inbox rows are kept at least this long: longer than any platform retries (Feishu ≈ 7 h) and than the replay tolerance cap. */
export const INBOX_RETENTION_DAYS = 8;

/**
 * Re-dispatches work that Redis lost or a dead worker left: inbox events still pending (not stored) or
 * deciding (stored, the bot's decision not committed), outbox rows still queued/sending after a while. PostgreSQL is the record; this makes Bull only a dispatcher.
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Sweeper');
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastPurge = 0;

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
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
        return await this.sweep();
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

  private async sweep(): Promise<{ inbox: number; outbound: number }> {
    const stale: { id: string; integration_id: string; conversation_key: string }[] = await this.ds.query(
      `SELECT DISTINCT ON (integration_id, conversation_key) id, integration_id, conversation_key FROM inbox_events
       WHERE (status = 'pending' OR status = 'deciding') AND received_at < now() - ($1 || ' milliseconds')::interval
       ORDER BY integration_id, conversation_key, id LIMIT 1000`,
      [String(this.config.inboxStaleMs)],
    );
    if (stale.length > 0) {
      await this.inbox.dispatchNow(stale.map((r) => ({ integrationId: r.integration_id, conversationKey: r.conversation_key, eventId: String(r.id) })));
      this.logger.log(`re-dispatched ${stale.length} conversation(s) with inbox events not yet stored or not yet decided`);
    }
    const outbound: { id: string; conversation_id: string; attempts: number }[] = await this.ds.query(
      `SELECT DISTINCT ON (conversation_id) id, conversation_id, attempts FROM outbound_messages
       WHERE status IN ('queued', 'sending') AND next_attempt_at < now() - ($1 || ' milliseconds')::interval
       AND updated_at < now() - ($1 || ' milliseconds')::interval
       ORDER BY conversation_id, seq LIMIT 1000`,
      [String(this.config.outboundStaleMs)],
    );
    for (const r of outbound) {
      await this.outbound.dispatch({ conversationId: r.conversation_id, outboundId: r.id }, 0, Number(r.attempts) + 1000);
    }
    if (Date.now() - this.lastPurge > 3600_000) {
      this.lastPurge = Date.now();
      await this.ds.query(`DELETE FROM inbox_events WHERE status NOT IN ('pending', 'deciding') AND received_at < now() - interval '${INBOX_RETENTION_DAYS} days'`);
    }
    return { inbox: stale.length, outbound: outbound.length };
  }
}
