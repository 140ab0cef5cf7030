import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { INBOX_QUEUE, JOB_DEFAULTS, type InboxJob } from '../queue/queues';

const DISPATCH_TIMEOUT_MS = 2_000;

/**
 * Hands stored inbox events to the workers through Bull, batched per tick. Best effort by design:
 * when Redis is away the rows stay pending and the sweeper dispatches them later.
 */
@Injectable()
export class InboxDispatcher {
  private readonly logger = new Logger('InboxDispatcher');
  private pending: InboxJob[] = [];
  private scheduled = false;

  constructor(@InjectQueue(INBOX_QUEUE) private readonly queue: Queue<InboxJob>) {}

  dispatch(job: InboxJob): void {
    this.pending.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  async dispatchNow(jobs: InboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map((data) => ({ data, opts: { ...JOB_DEFAULTS, jobId: `in-${data.eventId}` } })));
  }

  private async flush(): Promise<void> {
    const jobs = this.pending;
    this.pending = [];
    this.scheduled = false;
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
    }
  }
}
