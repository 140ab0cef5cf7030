/** Queue names and job payloads. Jobs carry ids only; PostgreSQL holds the truth. */
export const INBOX_QUEUE = 'inbox';
export const OUTBOUND_QUEUE = 'outbound';

export interface InboxJob {
  integrationId: string;
  conversationKey: string;
  eventId: string;
}

export interface OutboundJob {
  conversationId: string;
  outboundId: string;
}

/** Bull keeps no finished jobs: the database rows say what happened, and a jobId can be reused. */
export const JOB_DEFAULTS = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const;
