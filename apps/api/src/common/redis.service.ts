import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/** The shared Redis connection for tokens, locks and rate limits. Every key carries the run's prefix. */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis;
  private readonly logger = new Logger('Redis');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.client = new Redis(config.redisUrl, {
      maxRetriesPerRequest: 2,
      enableOfflineQueue: false,
      lazyConnect: false,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // ioredis reconnects by itself; without a listener an error event would crash the process.
    this.client.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
  }

  /**
   * Waits (briefly) for the first connection: with the offline queue off, a command sent before it is
   * ready fails at once, so the first logins after start-up would get 503s. If Redis is down the
   * process still starts (callbacks only need PostgreSQL) and the client keeps reconnecting.
   */
  async onModuleInit(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 5_000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.client.once('ready', done);
    });
  }

  key(...parts: string[]): string {
    return `${this.config.redisPrefix}:${parts.join(':')}`;
  }

  /** Bull needs `noeviction`: an evicted job key is a lost job. Warns otherwise. */
  async checkEvictionPolicy(): Promise<void> {
    try {
      const res = (await this.client.config('GET', 'maxmemory-policy')) as string[];
      const policy = res[1];
      if (policy && policy !== 'noeviction') {
        this.logger.warn(`Redis maxmemory-policy is "${policy}"; set it to "noeviction" or queued jobs may be evicted`);
      }
    } catch {
      // CONFIG may be disabled on managed Redis; nothing to check then.
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
  }
}

const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A lock held by one process at a time, released only by its owner. */
export class RedisLock {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly token: string,
  ) {}

  static async acquire(redis: Redis, key: string, ttlMs: number): Promise<RedisLock | null> {
    const token = `${process.pid}:${Math.random().toString(36).slice(2)}:${Date.now()}`;
    const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? new RedisLock(redis, key, token) : null;
  }

  async extend(ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(EXTEND_LOCK, 1, this.key, this.token, String(ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE_LOCK, 1, this.key, this.token);
  }
}
