import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { INBOX_QUEUE, JOB_DEFAULTS, type InboxJob, type InboxQueueJob } from '../queue/queues';

const DISPATCH_TIMEOUT_MS = 2_000;
/** Conversations per batch job. */
const BATCH_MAX = 200;
/** ioredis states after a connection was lost (before the first connect it is wait/connecting). */
const LOST_CONNECTION = new Set(['reconnecting', 'close', 'end']);

/**
 * Hands stored inbox events to the workers through Bull, batched per tick. Best effort by design:
 * when Redis is away the rows stay pending and the sweeper dispatches them later.
 */
@Injectable()
export class InboxDispatcher {
  private readonly logger = new Logger('InboxDispatcher');
  private pending: InboxJob[] = [];
  private scheduled = false;
  private flushing = false;

  constructor(@InjectQueue(INBOX_QUEUE) private readonly queue: Queue<InboxQueueJob>) {}

  dispatch(job: InboxJob): void {
    this.pending.push(job);
    this.schedule();
  }

  /**
   * A few milliseconds gather a burst into one Redis round trip; while one is under way the next
   * batch keeps gathering, so a busy process sends fewer, larger batches (and one job per conversation
   * of each).
   */
  private schedule(): void {
    if (this.scheduled || this.flushing || this.pending.length === 0) return;
    this.scheduled = true;
    setTimeout(() => void this.flush(), 2).unref();
  }

  /**
   * Adds the jobs now. Refuses at once while Bull's connection is lost: Bull's client would park the
   * commands in its unbounded offline queue (memory grows with every callback of a long outage, and
   * callers such as the sweeper would hang until Redis returns). The rows stay pending instead.
   */
  async dispatchNow(jobs: InboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const status = this.queue.client.status;
    if (LOST_CONNECTION.has(status)) throw new Error(`Redis connection ${status}`);
    // A job processes every pending event of its conversation, so one job per conversation suffices.
    const first = new Map<string, InboxJob>();
    for (const job of jobs) {
      const k = `${job.integrationId}\n${job.conversationKey}`;
      const seen = first.get(k);
      if (!seen || BigInt(job.eventId) < BigInt(seen.eventId)) first.set(k, job);
    }
    // One job for a single conversation (its jobId from the event: the same event is not queued
    // twice while waiting), else batches of conversations: one job's queue overhead for them all.
    const refs = [...first.values()];
    const queued: { data: InboxQueueJob; opts: typeof JOB_DEFAULTS & { jobId: string } }[] = [];
    for (let i = 0; i < refs.length; i += BATCH_MAX) {
      const part = refs.slice(i, i + BATCH_MAX);
      queued.push(
        part.length === 1
          ? { data: part[0]!, opts: { ...JOB_DEFAULTS, jobId: `in-${part[0]!.eventId}` } }
          : { data: { batch: part }, opts: { ...JOB_DEFAULTS, jobId: `inb-${part[0]!.eventId}-${part.length}` } },
      );
    }
    await this.queue.addBulk(queued);
  }

  private async flush(): Promise<void> {
    const jobs = this.pending;
    this.pending = [];
    this.scheduled = false;
    this.flushing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dispatchNow(jobs),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), DISPATCH_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      this.logger.warn(`could not dispatch ${jobs.length} inbox event(s) now (${(err as Error).message}); the sweeper will`);
    } finally {
      clearTimeout(timer);
      this.flushing = false;
      this.schedule();
    }
  }
}
