/** Queue names and job payloads. Jobs carry ids only; PostgreSQL holds the truth. */
export const INBOX_QUEUE = 'inbox';
export const OUTBOUND_QUEUE = 'outbound';

export interface InboxJob {
  integrationId: string;
  conversationKey: string;
  eventId: string;
}

/** Several conversations' inbox work in one job (what the callbacks of a few milliseconds stored). */
export interface InboxBatchJob {
  batch: InboxJob[];
}

export type InboxQueueJob = InboxJob | InboxBatchJob;

/** The conversations an inbox job names. */
export function inboxJobRefs(job: InboxQueueJob): InboxJob[] {
  return 'batch' in job ? job.batch : [job];
}

export interface OutboundJob {
  conversationId: string;
  outboundId: string;
}

/** The drains of several conversations in one job (the replies one inbox batch committed). */
export interface OutboundBatchJob {
  batch: OutboundJob[];
}

export type OutboundQueueJob = OutboundJob | OutboundBatchJob;

/** Bull keeps no finished jobs: the database rows say what happened, and a jobId can be reused. */
export const JOB_DEFAULTS = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const;
