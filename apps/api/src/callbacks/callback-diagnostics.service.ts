import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
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

  /** Throws a 503 (not a 500) while Redis is unreachable: the records live there. */
  async recent(integrationId: string): Promise<CallbackRecord[]> {
    let items: string[];
    try {
      items = await this.redis.client.lrange(this.redis.key('callbacks', integrationId), 0, KEEP - 1);
    } catch {
      throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'callback diagnostics are temporarily unavailable (Redis unreachable)', '回调记录暂时不可用（Redis 无法连接）');
    }
    return items.map((s) => JSON.parse(s) as CallbackRecord);
  }
}
