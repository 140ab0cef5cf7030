import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from '../common/redis.service';

/** An API process's entry lives this long without a refresh (it crashed: its consoles are gone). */
export const LISTENER_TTL_MS = 30_000;
/** Every process re-reads the set this often, whatever pub/sub said (a missed message heals). */
const REFRESH_MS = 5_000;

/**
 * Whether any console is connected to any API process: the desk's realtime events (each costs
 * PostgreSQL reads and a Redis publish) are skipped while nobody listens — a gateway answering
 * hundreds of messages a second with nobody at the desk does that work for no one.
 *
 * Shared through Redis: `desk:listeners` is a sorted set of API processes with connected consoles,
 * scored by when their entry expires; a process that gains its first console adds itself and
 * publishes on `desk:listeners-changed` *before the console's handshake completes*, so every
 * process knows before the console can load anything. Until a process has read the set (and while
 * Redis is away) it assumes someone listens: events are never skipped on a guess.
 */
@Injectable()
export class DeskListeners implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DeskListeners');
  private sub: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private known: boolean | null = null;
  /** Bumped by every "joined": a read that started before one must not overwrite it with a stale 0. */
  private joins = 0;
  private readonly self = `${hostname()}:${process.pid}`;

  constructor(private readonly redis: RedisService) {}

  private get setKey(): string {
    return this.redis.key('desk', 'listeners');
  }

  private get channel(): string {
    return this.redis.key('desk', 'listeners-changed');
  }

  /** False only when it is known that no console is connected anywhere. */
  get anyone(): boolean {
    return this.known !== false;
  }

  onModuleInit(): void {
    this.sub = this.redis.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.sub.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
    // Subscribed again after every reconnect (ioredis does that); what was missed meanwhile is read.
    this.sub.on('ready', () => void this.refresh());
    this.sub.on('close', () => {
      this.known = null;
    });
    this.sub.on('message', (_channel: string, message: string) => {
      // Someone connected: known at once. Someone left: read who is still there.
      if (message === 'joined') this.joined();
      else void this.refresh();
    });
    void this.sub.subscribe(this.channel).catch((err: Error) => this.logger.warn(`not subscribed: ${err.message}`));
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.sub?.disconnect();
  }

  private joined(): void {
    this.joins++;
    this.known = true;
  }

  private async refresh(): Promise<void> {
    const joins = this.joins;
    try {
      const n = await this.redis.client.zcount(this.setKey, Date.now(), '+inf');
      if (joins === this.joins) this.known = n > 0;
    } catch {
      // Not known (Redis not ready yet, or away): events are built meanwhile; ask again soon.
      this.known = null;
      if (!this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          void this.refresh();
        }, 500);
        this.retry.unref();
      }
    }
  }

  /** This API process has consoles connected (called before a handshake completes, and on its heartbeat). */
  async present(): Promise<void> {
    const first = (await this.redis.client.zadd(this.setKey, Date.now() + LISTENER_TTL_MS, this.self)) === 1;
    await this.redis.client.pexpire(this.setKey, LISTENER_TTL_MS * 2);
    if (first || this.known !== true) {
      this.joined();
      await this.redis.client.publish(this.channel, 'joined');
    }
  }

  /** This API process has no console connected any more. */
  async absent(): Promise<void> {
    if ((await this.redis.client.zrem(this.setKey, this.self)) === 1) await this.redis.client.publish(this.channel, 'left');
  }
}
