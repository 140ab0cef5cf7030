import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { INBOX_QUEUE, inboxJobRefs, type InboxQueueJob } from '../queue/queues';
import { type ConversationRef, InboxBatch } from './inbox-batch.service';

/** Batches running at once in one process (each takes its conversations' locks for itself). */
const MAX_BATCHES_IN_FLIGHT = 2;

/**
 * Inbox jobs (one per conversation with new events) are gathered for one turn of the event loop and
 * processed together (InboxBatch): with many conversations active, one transaction serves them all.
 * Each job completes when the batch that carried it is done, so a crash leaves it to Bull's stalled-
 * job recovery exactly as before.
 */
@Processor(INBOX_QUEUE)
export class InboxProcessor {
  private waiting: { refs: ConversationRef[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(private readonly batch: InboxBatch) {}

  @Process({ concurrency: 64 })
  handle(job: Job<InboxQueueJob>): Promise<void> {
    const refs = inboxJobRefs(job.data).map((r) => ({ integrationId: r.integrationId, conversationKey: r.conversationKey }));
    return new Promise((resolve, reject) => {
      this.waiting.push({ refs, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_BATCHES_IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.inFlight >= MAX_BATCHES_IN_FLIGHT || this.waiting.length === 0) return;
      const taken = this.waiting;
      this.waiting = [];
      this.inFlight++;
      this.batch
        .process(taken.flatMap((t) => t.refs))
        .then(
          () => taken.forEach((t) => t.resolve()),
          (err: unknown) => taken.forEach((t) => t.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    });
  }
}
