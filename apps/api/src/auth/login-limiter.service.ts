import { Injectable } from '@nestjs/common';
import { RedisService } from '../common/redis.service';

const WINDOW_SECONDS = 15 * 60;
const MAX_PER_USER_AND_IP = 5;
const MAX_PER_IP = 50;

/** Failed-login counters in Redis, shared by every API process. */
@Injectable()
export class LoginLimiter {
  constructor(private readonly redis: RedisService) {}

  private keys(username: string, ip: string): [string, string] {
    return [this.redis.key('login-fail', 'u', username.toLowerCase(), ip), this.redis.key('login-fail', 'ip', ip)];
  }

  /** Seconds to wait, or 0 when the attempt may proceed. */
  async blockedFor(username: string, ip: string): Promise<number> {
    const [uk, ik] = this.keys(username, ip);
    const [u, i] = await this.redis.client.mget(uk, ik);
    if (Number(u ?? 0) >= MAX_PER_USER_AND_IP || Number(i ?? 0) >= MAX_PER_IP) {
      const ttl = await this.redis.client.ttl(Number(u ?? 0) >= MAX_PER_USER_AND_IP ? uk : ik);
      return Math.max(ttl, 1);
    }
    return 0;
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const multi = this.redis.client.multi();
    for (const k of this.keys(username, ip)) multi.incr(k).expire(k, WINDOW_SECONDS, 'NX');
    await multi.exec();
  }

  async reset(username: string, ip: string): Promise<void> {
    await this.redis.client.del(this.keys(username, ip)[0]);
  }
}
