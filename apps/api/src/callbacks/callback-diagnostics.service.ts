import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RedisService } from '../common/redis.service';

export interface CallbackRecord {
  at: string;
  method: string;
  outcome: 'accepted' | 'duplicate' | 'verified' | 'rejected' | 'error';
  detail: string;
  /** How many callbacks of this kind arrived together (within one flush interval); 1 when alone. */
  count?: number;
}

const KEEP = 50;
const FLUSH_MS = 250;

/**
 * The last callbacks of each integration, so an administrator sees whether the platform reached us and
 * why it failed. Records of the same integration, outcome and reason are folded into one entry with a
 * count per flush interval: a burst of thousands of messages (or of forged requests) costs one Redis
 * write per kind, not one per request.
 */
/** A kind of record gathered since the last flush: its latest time (ms or ISO text) and how many came. */
interface Pending {
  integrationId: string;
  method: string;
  outcome: CallbackRecord['outcome'];
  detail: string;
  at: number | string;
  count: number;
}

@Injectable()
export class CallbackDiagnostics implements OnApplicationShutdown {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly redis: RedisService) {}

  record(integrationId: string, rec: CallbackRecord): void {
    this.add(integrationId, rec.method, rec.outcome, rec.detail, rec.at);
  }

  /** Records a callback that arrived now (the hot path: nothing but a counter until the flush). */
  note(integrationId: string, method: string, outcome: CallbackRecord['outcome'], detail: string): void {
    this.add(integrationId, method, outcome, detail, Date.now());
  }

  private add(integrationId: string, method: string, outcome: CallbackRecord['outcome'], detail: string, at: number | string): void {
    const k = `${integrationId}\n${outcome}\n${detail}\n${method}`;
    const prev = this.pending.get(k);
    if (prev) {
      prev.count++;
      prev.at = at;
    } else {
      this.pending.set(k, { integrationId, method, outcome, detail, at, count: 1 });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const multi = this.redis.client.multi();
    for (const p of batch) {
      const rec: CallbackRecord = { at: typeof p.at === 'number' ? new Date(p.at).toISOString() : p.at, method: p.method, outcome: p.outcome, detail: p.detail, count: p.count };
      const key = this.redis.key('callbacks', p.integrationId);
      multi.lpush(key, JSON.stringify(rec)).ltrim(key, 0, KEEP - 1).expire(key, 30 * 24 * 3600);
    }
    await multi.exec().catch(() => undefined); // diagnostics must never fail a callback
  }

  /** Throws a 503 (not a 500) while Redis is unreachable: the records live there. */
  async recent(integrationId: string): Promise<CallbackRecord[]> {
    await this.flush();
    let items: string[];
    try {
      items = await this.redis.client.lrange(this.redis.key('callbacks', integrationId), 0, KEEP - 1);
    } catch {
      throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'callback diagnostics are temporarily unavailable (Redis unreachable)', '回调记录暂时不可用（Redis 无法连接）');
    }
    return items.map((s) => JSON.parse(s) as CallbackRecord);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
