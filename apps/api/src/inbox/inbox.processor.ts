import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { INBOX_QUEUE, type InboxJob } from '../queue/queues';
import { InboxService } from './inbox.service';

@Processor(INBOX_QUEUE)
export class InboxProcessor {
  constructor(private readonly inbox: InboxService) {}

  @Process({ concurrency: 8 })
  async handle(job: Job<InboxJob>): Promise<void> {
    await this.inbox.processConversation(job.data.integrationId, job.data.conversationKey);
  }
}
