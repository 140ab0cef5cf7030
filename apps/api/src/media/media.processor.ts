import { type OnApplicationBootstrap } from '@nestjs/common';
import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { MEDIA_QUEUE, type MediaJob } from './media-files';
import { MEDIA_MAX_ATTEMPTS, MediaService } from './media.service';

@Processor(MEDIA_QUEUE)
export class MediaProcessor implements OnApplicationBootstrap {
  constructor(private readonly media: MediaService) {}

  onApplicationBootstrap(): void {
    this.media.startSweeping();
  }

  @Process({ concurrency: 4 })
  async handle(job: Job<MediaJob>): Promise<void> {
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? MEDIA_MAX_ATTEMPTS);
    await this.media.download(job.data.mediaFileId, final);
  }
}
