import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InboundSourceStatusView } from '@imbridge/contracts';
import type { ConnectionSource, CursorPullSource, InboundEvent, InboundSource, IntegrationRef } from '@imbridge/platform-core';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisLock, RedisService } from '../common/redis.service';
import { InboxDispatcher } from '../callbacks/inbox-dispatcher.service';
import { InboxWriter } from '../callbacks/inbox-writer.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { PlatformRegistry } from '../platforms/platform-registry.service';

/**
 * The pull lock's life; the holder extends it before every page (PullContext.keepAlive). Short, so
 * that the pull of a process that died (crash, kill -9) is taken over soon by whoever waits for it.
 */
export const PULL_LOCK_TTL_MS = 30_000;
/** How often a request that found the pull lock taken looks again. */
const WAIT_POLL_MS = 50;
/** How long a graceful shutdown waits for running pulls to stop between two pages. */
const SHUTDOWN_WAIT_MS = 10_000;
/** A connection's lock: renewed every third of it while the connection is held. */
const CONNECTION_LOCK_TTL_MS = 30_000;
/** Reconnect backoff: doubles from the first to the last; reset after a connection stayed up this long. */
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 60_000;
const STABLE_CONNECTION_MS = 60_000;
/** Status entries are kept this long after their last update. */
const STATUS_TTL_S = 30 * 24 * 3600;

/** What an administrator sees of one unit of one source (GET /api/integrations/:id/inbound-sources). */
export type InboundSourceStatus = InboundSourceStatusView;

interface HeldConnection {
  abort: AbortController;
  done: Promise<void>;
  configKey: string;
}

function integrationRef(i: { id: string; platform: string; enabled: boolean; config: Readonly<Record<string, unknown>> }): IntegrationRef {
  return { id: i.id, platform: i.platform, enabled: i.enabled, config: i.config };
}

/**
 * Runs every inbound source that is not an HTTP callback, for every platform (PlatformHooks.sources):
 *
 * - **Cursor pulls**: one pull per (source, integration, unit) at a time across all processes (a Redis
 *   lock the pull extends between pages). A pull requested while one runs raises a "pull again" flag
 *   that the running pull honours before letting go of the lock; a requester whose holder died takes
 *   the lock over once it expires. Every unit is also pulled on the sweeper's cadence (worker role),
 *   so messages whose notification was lost still arrive. On shutdown pulls stop between pages.
 * - **Long-lived connections**: exactly one per enabled integration across all processes (a Redis
 *   lock renewed while connected), reconnected with backoff, restarted when the configuration changes,
 *   closed when the integration is disabled or the process stops.
 *
 * Each unit's state, last run and last error are kept in Redis for the console.
 */
@Injectable()
export class InboundSourceSupervisor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InboundSources');
  private readonly me = `${hostname()}:${process.pid}`;
  private stopping = false;
  private activePulls = 0;
  private timer: NodeJS.Timeout | undefined;
  private roundRunning = false;
  private readonly connections = new Map<string, HeldConnection>();
  private readonly lastStamp = new Map<string, number>();

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly registry: PlatformRegistry,
    private readonly integrations: IntegrationsService,
    private readonly writer: InboxWriter,
    private readonly dispatcher: InboxDispatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api' || this.registry.sources().length === 0) return;
    this.timer = setInterval(() => void this.round(), this.config.sweepIntervalMs);
    this.timer.unref();
    void this.maintainConnections();
  }

  /** Graceful shutdown: pulls stop between pages, connections close, locks are released before Redis goes. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    for (const held of this.connections.values()) held.abort.abort();
    const until = Date.now() + SHUTDOWN_WAIT_MS;
    while (this.activePulls > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.connections.values()].map((c) => c.done)),
      new Promise((r) => {
        timer = setTimeout(r, Math.max(0, until - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  }

  private source(name: string): InboundSource {
    const source = this.registry.sources().find((s) => s.name === name);
    if (!source) throw new Error(`no inbound source '${name}'`);
    return source;
  }

  // ---------------------------------------------------------------- cursor pulls

  /**
   * Pulls now, or makes the running pull go round once more. Resolves once this request is either
   * done or handed over to the lock holder; throws when the pull failed (the caller retries).
   */
  async pull(sourceName: string, integrationId: string, unit: string, hint?: string): Promise<void> {
    // Shutting down: nothing is lost by not pulling now (the platform keeps the messages, the cursor
    // has not moved); the next process's pull or periodic round goes on.
    if (this.stopping) return;
    const source = this.source(sourceName);
    if (source.kind !== 'cursor-pull') throw new Error(`inbound source '${sourceName}' is not a cursor pull`);
    const client = this.redis.client;
    const againKey = this.redis.key('pull-again', source.name, integrationId, unit);
    const lockKey = this.redis.key('pull-lock', source.name, integrationId, unit);
    if (hint !== undefined && source.noteHint) await source.noteHint(integrationId, unit, hint);
    // The flag goes up before the lock attempt: a holder that checks the flag after this sees it.
    await client.set(againKey, '1', 'PX', PULL_LOCK_TTL_MS * 10);
    this.activePulls++;
    try {
      for (;;) {
        const lock = await RedisLock.acquire(client, lockKey, PULL_LOCK_TTL_MS);
        if (!lock) {
          // Someone pulls. Our flag makes them go round once more — unless they died holding the
          // lock: then it expires within PULL_LOCK_TTL_MS and we take over. Wait until either happens.
          if (await this.waitForHolder(againKey, lockKey)) return;
          continue;
        }
        try {
          while ((await client.del(againKey)) > 0) {
            const result = await this.pullOnce(source, integrationId, unit, lock);
            if (result === 'more') {
              // Stopped early: whoever pulls next (this loop, another process, the periodic round) goes on.
              await client.set(againKey, '1', 'PX', PULL_LOCK_TTL_MS * 10);
              if (this.stopping) return;
            }
          }
        } catch (err) {
          // Leave the flag up so that the retry (or the periodic round) goes round again.
          await client.set(againKey, '1', 'PX', PULL_LOCK_TTL_MS * 10).catch(() => undefined);
          throw err;
        } finally {
          await lock.release().catch(() => undefined);
        }
        // A request that raised the flag after our last check but failed to take the lock before we
        // released it relies on us: look once more.
        if ((await client.exists(againKey)) === 0) return;
      }
    } finally {
      this.activePulls--;
    }
  }

  private async pullOnce(source: CursorPullSource, integrationId: string, unit: string, lock: RedisLock): Promise<'done' | 'more'> {
    const startedAt = new Date().toISOString();
    await this.report(integrationId, source, unit, { state: 'pulling', lastStartedAt: startedAt });
    try {
      const result = await source.pull({
        integrationId,
        unit,
        keepAlive: () => lock.extend(PULL_LOCK_TTL_MS),
        stopping: () => this.stopping,
        ingest: (events) => this.ingest(integrationId, events),
      });
      await this.report(integrationId, source, unit, { state: 'idle', lastSuccessAt: new Date().toISOString(), detail: result === 'more' ? 'stopped early; continues' : null });
      return result;
    } catch (err) {
      await this.report(integrationId, source, unit, { state: 'idle', lastError: { at: new Date().toISOString(), message: String((err as Error).message).slice(0, 500) } });
      throw err;
    }
  }

  /**
   * After a failed lock attempt: true once the holder has taken our flag (it pulls for us) or has
   * kept the lock alive for a whole lock life (it is alive and will see the flag); false when the lock
   * is free (the holder finished or died), so the caller tries to take it.
   */
  private async waitForHolder(againKey: string, lockKey: string): Promise<boolean> {
    const client = this.redis.client;
    const until = Date.now() + PULL_LOCK_TTL_MS + 5_000;
    while (Date.now() < until) {
      if (this.stopping) return true;
      const [flag, holder] = await Promise.all([client.exists(againKey), client.exists(lockKey)]);
      if (holder === 0) return false;
      if (flag === 0) return true;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
    return true;
  }

  /**
   * One periodic round: every unit of every cursor-pull source of every enabled integration. Returns
   * how many units were pulled (0 when another process has the round).
   */
  async round(): Promise<number> {
    if (this.roundRunning) return 0;
    this.roundRunning = true;
    let pulled = 0;
    try {
      for (const source of this.registry.sources()) {
        if (source.kind === 'cursor-pull') pulled += await this.roundOf(source);
      }
      if (!this.stopping) await this.maintainConnections();
    } finally {
      this.roundRunning = false;
    }
    return pulled;
  }

  private async roundOf(source: CursorPullSource): Promise<number> {
    let lock: RedisLock | null = null;
    try {
      lock = await RedisLock.acquire(this.redis.client, this.redis.key('pull-round-lock', source.name), Math.max(this.config.sweepIntervalMs, 5000));
      if (!lock) return 0;
      let pulled = 0;
      for (const integration of await this.enabledIntegrations(source.platform)) {
        let units: string[];
        try {
          units = await source.units(integration);
        } catch (err) {
          this.logger.warn(`${source.name}: listing units of integration ${integration.id} failed: ${(err as Error).message}`);
          continue;
        }
        for (const unit of units) {
          if (this.stopping) return pulled;
          try {
            await this.pull(source.name, integration.id, unit);
            pulled++;
          } catch (err) {
            this.logger.warn(`periodic pull of ${source.name} ${unit} (integration ${integration.id}) failed: ${(err as Error).message}`);
          }
        }
      }
      return pulled;
    } catch (err) {
      this.logger.warn(`periodic ${source.name} round failed: ${(err as Error).message}`);
      return 0;
    } finally {
      await lock?.release().catch(() => undefined);
    }
  }

  private async enabledIntegrations(platform: string): Promise<IntegrationRef[]> {
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM integrations WHERE platform = $1 AND enabled ORDER BY id`, [platform]);
    const out: IntegrationRef[] = [];
    for (const { id } of rows) {
      const integration = await this.integrations.runtime(id).catch(() => null);
      if (integration?.enabled) out.push(integrationRef(integration));
    }
    return out;
  }

  /**
   * Stores events from a source in the inbox (deduplicated like callbacks) and dispatches the new ones.
   * Events that arrive together keep their order: each gets its own, increasing arrival time.
   */
  async ingest(integrationId: string, events: InboundEvent[]): Promise<number> {
    const stamps = this.stamps(integrationId, events.length);
    const results = await Promise.all(events.map((e, i) => this.writer.insert(integrationId, e, stamps[i])));
    let fresh = 0;
    results.forEach((r, i) => {
      const event = events[i];
      if (r.id && event) {
        fresh++;
        this.dispatcher.dispatch({ integrationId, conversationKey: event.conversationKey, eventId: r.id });
      }
    });
    return fresh;
  }

  /** Distinct, increasing arrival times for `n` events of one integration (chats are ordered by them). */
  private stamps(integrationId: string, n: number): Date[] {
    const base = Math.max(Date.now(), (this.lastStamp.get(integrationId) ?? 0) + 1);
    if (n > 0) this.lastStamp.set(integrationId, base + n - 1);
    if (this.lastStamp.size > 10_000) this.lastStamp.clear();
    return Array.from({ length: n }, (_, i) => new Date(base + i));
  }

  // ---------------------------------------------------------------- connections

  /**
   * Worker role, at start and on every round: opens the connections this process can take (their lock
   * is free), closes those whose integration was disabled or deleted, and restarts those whose
   * configuration changed.
   */
  async maintainConnections(): Promise<void> {
    for (const source of this.registry.sources()) {
      if (source.kind !== 'connection' || this.stopping) continue;
      let integrations: IntegrationRef[];
      try {
        integrations = await this.enabledIntegrations(source.platform);
      } catch (err) {
        this.logger.warn(`${source.name}: listing integrations failed: ${(err as Error).message}`);
        continue;
      }
      const wanted = new Map(integrations.map((i) => [`${source.name}:${i.id}`, i]));
      for (const [key, held] of this.connections) {
        if (!key.startsWith(`${source.name}:`)) continue;
        const integration = wanted.get(key);
        if (!integration || held.configKey !== JSON.stringify(integration.config)) held.abort.abort();
      }
      for (const [key, integration] of wanted) {
        if (this.connections.has(key) || this.stopping) continue;
        const lock = await RedisLock.acquire(this.redis.client, this.redis.key('connection-lock', source.name, integration.id), CONNECTION_LOCK_TTL_MS).catch(() => null);
        if (!lock) continue; // another process holds it
        const abort = new AbortController();
        const held: HeldConnection = { abort, configKey: JSON.stringify(integration.config), done: Promise.resolve() };
        this.connections.set(key, held);
        held.done = this.holdConnection(source, integration, lock, abort).finally(() => {
          if (this.connections.get(key) === held) this.connections.delete(key);
        });
      }
    }
  }

  /** Keeps the connection up (reconnecting with backoff) while this process holds its lock. */
  private async holdConnection(source: ConnectionSource, integration: IntegrationRef, lock: RedisLock, abort: AbortController): Promise<void> {
    const renew = setInterval(() => {
      void lock.extend(CONNECTION_LOCK_TTL_MS).then(
        (held) => {
          if (!held) abort.abort();
        },
        () => undefined, // Redis away: keep the connection; the lock is checked again in a moment
      );
    }, CONNECTION_LOCK_TTL_MS / 3);
    renew.unref();
    let backoff = RECONNECT_MIN_MS;
    try {
      while (!abort.signal.aborted && !this.stopping) {
        let upSince: number | null = null;
        await this.report(integration.id, source, '', { state: 'connecting', lastStartedAt: new Date().toISOString() });
        try {
          await source.connect({
            integration,
            signal: abort.signal,
            connected: (detail) => {
              upSince = Date.now();
              void this.report(integration.id, source, '', { state: 'connected', lastSuccessAt: new Date().toISOString(), detail: detail ?? null });
            },
            ingest: (events) => this.ingest(integration.id, events),
          });
          await this.report(integration.id, source, '', { state: 'down', detail: abort.signal.aborted ? 'closed' : 'closed by the platform' });
        } catch (err) {
          await this.report(integration.id, source, '', { state: 'down', lastError: { at: new Date().toISOString(), message: String((err as Error).message).slice(0, 500) } });
          this.logger.warn(`${source.name} connection of integration ${integration.id} failed: ${(err as Error).message}`);
        }
        if (upSince !== null && Date.now() - upSince >= STABLE_CONNECTION_MS) backoff = RECONNECT_MIN_MS;
        if (abort.signal.aborted || this.stopping) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          abort.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });
        backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
      }
    } finally {
      clearInterval(renew);
      await lock.release().catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- status

  /** The connections this process holds now (`<source>:<integration id>`). */
  held(): string[] {
    return [...this.connections.keys()].sort();
  }

  private async report(integrationId: string, source: InboundSource, unit: string, patch: Partial<InboundSourceStatus>): Promise<void> {
    const key = this.redis.key('inbound-source-status', integrationId);
    const field = `${source.name}\n${unit}`;
    try {
      const prevRaw = await this.redis.client.hget(key, field);
      const prev: Partial<InboundSourceStatus> = prevRaw ? (JSON.parse(prevRaw) as InboundSourceStatus) : {};
      const next: InboundSourceStatus = {
        source: source.name,
        label: source.label,
        kind: source.kind,
        unit,
        state: patch.state ?? prev.state ?? 'idle',
        holder: this.me,
        lastStartedAt: patch.lastStartedAt ?? prev.lastStartedAt ?? null,
        lastSuccessAt: patch.lastSuccessAt ?? prev.lastSuccessAt ?? null,
        lastError: patch.lastError !== undefined ? patch.lastError : (prev.lastError ?? null),
        detail: patch.detail !== undefined ? patch.detail : (prev.detail ?? null),
      };
      await this.redis.client.multi().hset(key, field, JSON.stringify(next)).expire(key, STATUS_TTL_S).exec();
    } catch {
      // Status is a nicety: never fail a pull or a connection over it.
    }
  }

  /** Every unit of every source of the integration, as last reported (any process). */
  async status(integrationId: string): Promise<InboundSourceStatus[]> {
    const all = await this.redis.client.hgetall(this.redis.key('inbound-source-status', integrationId));
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as InboundSourceStatus)
      .sort((a, b) => (a.source === b.source ? a.unit.localeCompare(b.unit) : a.source.localeCompare(b.source)));
  }
}
