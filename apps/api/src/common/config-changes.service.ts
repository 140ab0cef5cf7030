import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from './redis.service';

/** A cached entry is trusted at most this long even when no change was announced (a safety net). */
const MAX_AGE_MS = 60_000;

/**
 * What rarely changes (bot settings, keyword rules) is read on every message: cached in each
 * process, and invalidated in every process when it changes. A write publishes `<kind> <key>` on
 * one Redis channel; every process drops the entry at once. While this process's subscription is
 * not live (Redis away, reconnecting) nothing is served from the cache, and everything cached is
 * dropped when it comes back (a change may have been missed meanwhile).
 */
@Injectable()
export class ConfigChanges implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ConfigChanges');
  private sub: Redis | undefined;
  private live = false;
  private readonly caches = new Map<string, ConfigCache<unknown>>();

  constructor(private readonly redis: RedisService) {}

  private get channel(): string {
    return this.redis.key('config-changed');
  }

  onModuleInit(): void {
    this.sub = this.redis.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.sub.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
    this.sub.on('close', () => this.setLive(false));
    this.sub.on('message', (_channel: string, message: string) => {
      const space = message.indexOf(' ');
      this.caches.get(space < 0 ? message : message.slice(0, space))?.invalidate(space < 0 ? null : message.slice(space + 1));
    });
    // Subscribed on every (re)connection; only then is the cache trusted again.
    this.sub.on('ready', () => {
      this.sub!.subscribe(this.channel).then(
        () => this.setLive(true),
        (err: Error) => this.logger.warn(`not subscribed: ${err.message}`),
      );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.sub?.disconnect();
  }

  private setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    for (const cache of this.caches.values()) cache.invalidate(null);
  }

  /** Whether cached values may be served now. */
  get trusted(): boolean {
    return this.live;
  }

  /** The cache of one kind of configuration, keyed by e.g. an integration id. */
  cache<T>(kind: string, maxEntries = 10_000): ConfigCache<T> {
    if (kind.includes(' ')) throw new Error('a cache kind has no spaces');
    const cache = new ConfigCache<T>(this, maxEntries);
    this.caches.set(kind, cache as ConfigCache<unknown>);
    return cache;
  }

  /**
   * Announces a change after it committed: this process drops the entry at once, the others when the
   * message arrives (milliseconds). `key` null: every entry of the kind. Never throws: with Redis away
   * the other processes are not trusting their caches anyway.
   */
  async changed(kind: string, key: string | null): Promise<void> {
    this.caches.get(kind)?.invalidate(key);
    await this.redis.client.publish(this.channel, key === null ? kind : `${kind} ${key}`).catch((err: Error) => this.logger.warn(`change of ${kind} not announced: ${err.message}`));
  }
}

export class ConfigCache<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();
  /** Bumped by every invalidation: a load that started before one is not stored. */
  private generation = 0;

  constructor(
    private readonly changes: ConfigChanges,
    private readonly maxEntries: number,
  ) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.changes.trusted) return load();
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && this.changes.trusted) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { value, at: Date.now() });
    }
    return value;
  }

  invalidate(key: string | null): void {
    this.generation++;
    if (key === null) this.entries.clear();
    else this.entries.delete(key);
  }
}
