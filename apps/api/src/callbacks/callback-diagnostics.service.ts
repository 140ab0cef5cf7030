import { Injectable } from '@nestjs/common';
import { RedisService } from '../common/redis.service';

export interface CallbackRecord {
  at: string;
  method: string;
  outcome: 'accepted' | 'duplicate' | 'verified' | 'rejected' | 'error';
  detail: string;
}

const KEEP = 50;

/** The last callbacks of each integration, so an administrator sees whether the platform reached us and why it failed. */
@Injectable()
export class CallbackDiagnostics {
  constructor(private readonly redis: RedisService) {}

  record(integrationId: string, rec: CallbackRecord): void {
    const key = this.redis.key('callbacks', integrationId);
    this.redis.client
      .multi()
      .lpush(key, JSON.stringify(rec))
      .ltrim(key, 0, KEEP - 1)
      .expire(key, 30 * 24 * 3600)
      .exec()
      .catch(() => undefined); // diagnostics must never fail a callback
  }

  async recent(integrationId: string): Promise<CallbackRecord[]> {
    const items = await this.redis.client.lrange(this.redis.key('callbacks', integrationId), 0, KEEP - 1);
    return items.map((s) => JSON.parse(s) as CallbackRecord);
  }
}
