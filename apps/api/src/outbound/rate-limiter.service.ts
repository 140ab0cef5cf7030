import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisService } from '../common/redis.service';

/** Per-integration send rate, counted in Redis so all workers share one budget (fixed 1-second windows). */
@Injectable()
export class SendRateLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async acquire(integrationId: string): Promise<void> {
    for (;;) {
      const second = Math.floor(Date.now() / 1000);
      const key = this.redis.key('rate', integrationId, String(second));
      const [[, count]] = (await this.redis.client.multi().incr(key).expire(key, 2).exec()) as [[Error | null, number]];
      if (count <= this.config.sendRatePerSecond) return;
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    }
  }
}
