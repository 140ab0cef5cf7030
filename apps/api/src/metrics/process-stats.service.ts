import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisService } from '../common/redis.service';
import { type ProcessSnapshot, snapshot } from './process-stats';

/** How often each process publishes its counters, and how long a silent process stays listed. */
const PUBLISH_EVERY_MS = 1_000;
const LISTED_FOR_MS = 5_000;

/**
 * Every process (API, worker or both) publishes its counters to Redis once a second, so that
 * GET /api/metrics, answered by any API process, shows the whole deployment: the inputs of the
 * capacity table (CPU, statements and commands per message, per stage) in the README.
 */
@Injectable()
export class ProcessStatsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ProcessStats');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.publish(), PUBLISH_EVERY_MS);
    this.timer.unref();
    void this.publish();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.client.del(this.keyOf(snapshot(this.config.role).id)).catch(() => undefined);
  }

  private keyOf(id: string): string {
    return this.redis.key('process-stats', id);
  }

  /** Publishes now; also called before answering /api/metrics so the caller's own figures are current. */
  async publish(): Promise<void> {
    if (this.redis.client.status !== 'ready') return;
    const s = snapshot(this.config.role);
    await this.redis.client.set(this.keyOf(s.id), JSON.stringify(s), 'PX', LISTED_FOR_MS).catch((err: Error) => this.logger.debug(`not published: ${err.message}`));
  }

  /** Every live process's latest counters. */
  async all(): Promise<ProcessSnapshot[]> {
    await this.publish();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.client.scan(cursor, 'MATCH', this.keyOf('*'), 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.client.mget(...keys);
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as ProcessSnapshot)
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
