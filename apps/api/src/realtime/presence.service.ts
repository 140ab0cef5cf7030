import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentView, PresenceStatus, UserRole } from '@imbridge/contracts';
import { RedisService } from '../common/redis.service';

/** How often an API process refreshes the entries of its connected sockets. */
export const PRESENCE_HEARTBEAT_MS = 10_000;
/** A socket entry not refreshed for this long is dead (its API process crashed): the user is offline. */
export const PRESENCE_SOCKET_TTL_MS = 30_000;

type ChosenStatus = Exclude<PresenceStatus, 'offline'>;

interface AgentRow {
  id: string;
  username: string;
  display_name: string | null;
  role: UserRole;
  capacity: number;
  can_view_all_chats: boolean;
  active_chats: number;
}

/**
 * Agent presence, shared by every process through Redis:
 * - `desk:sockets:<userId>`: a sorted set of the user's connected sockets, scored by when the entry
 *   expires; each API process refreshes its own sockets every heartbeat, so a crashed process's
 *   sockets stop counting after PRESENCE_SOCKET_TTL_MS;
 * - `desk:choice:<userId>`: what the user chose (online/away);
 * - `desk:present`: users who may have live entries (for the sweep that announces ghosts offline).
 * A user is their choice (default online) while at least one live socket exists, else offline.
 */
@Injectable()
export class PresenceService {
  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
  ) {}

  private socketsKey(userId: string): string {
    return this.redis.key('desk', 'sockets', userId);
  }

  private choiceKey(userId: string): string {
    return this.redis.key('desk', 'choice', userId);
  }

  private liveCount(userId: string): Promise<number> {
    return this.redis.client.zcount(this.socketsKey(userId), Date.now(), '+inf');
  }

  /** Records a connected socket; true when it is the user's first live one (they just came online). */
  async connect(userId: string, socketId: string): Promise<boolean> {
    const before = await this.liveCount(userId);
    const key = this.socketsKey(userId);
    await this.redis.client
      .multi()
      .zadd(key, Date.now() + PRESENCE_SOCKET_TTL_MS, socketId)
      .pexpire(key, PRESENCE_SOCKET_TTL_MS * 4)
      .sadd(this.redis.key('desk', 'present'), userId)
      .exec();
    return before === 0;
  }

  /** Forgets a socket; true when the user has no live socket left (they just went offline). */
  async disconnect(userId: string, socketId: string): Promise<boolean> {
    const removed = await this.redis.client.zrem(this.socketsKey(userId), socketId);
    return removed > 0 && (await this.liveCount(userId)) === 0;
  }

  /** The heartbeat of one process: pushes the expiry of its live sockets forward. */
  async refresh(sockets: { userId: string; socketId: string }[]): Promise<void> {
    if (sockets.length === 0) return;
    const expires = Date.now() + PRESENCE_SOCKET_TTL_MS;
    const multi = this.redis.client.multi();
    for (const s of sockets) {
      multi.zadd(this.socketsKey(s.userId), 'XX', expires, s.socketId);
      multi.pexpire(this.socketsKey(s.userId), PRESENCE_SOCKET_TTL_MS * 4);
    }
    await multi.exec();
  }

  /** Drops expired socket entries; returns the users whose last entries just expired (now offline). */
  async prune(): Promise<string[]> {
    const presentKey = this.redis.key('desk', 'present');
    const users = await this.redis.client.smembers(presentKey);
    const gone: string[] = [];
    for (const userId of users) {
      const key = this.socketsKey(userId);
      const removed = await this.redis.client.zremrangebyscore(key, '-inf', Date.now());
      if ((await this.redis.client.zcard(key)) === 0) {
        await this.redis.client.srem(presentKey, userId);
        if (removed > 0) gone.push(userId);
      }
    }
    return gone;
  }

  async choose(userId: string, status: ChosenStatus): Promise<void> {
    await this.redis.client.set(this.choiceKey(userId), status);
  }

  async statuses(userIds: string[]): Promise<Map<string, PresenceStatus>> {
    const out = new Map<string, PresenceStatus>();
    if (userIds.length === 0) return out;
    const now = Date.now();
    const multi = this.redis.client.multi();
    for (const id of userIds) {
      multi.zcount(this.socketsKey(id), now, '+inf');
      multi.get(this.choiceKey(id));
    }
    const results = (await multi.exec()) ?? [];
    userIds.forEach((id, i) => {
      const live = Number(results[2 * i]?.[1] ?? 0);
      const choice = results[2 * i + 1]?.[1] as string | null | undefined;
      out.set(id, live > 0 ? (choice === 'away' ? 'away' : 'online') : 'offline');
    });
    return out;
  }

  async status(userId: string): Promise<PresenceStatus> {
    return (await this.statuses([userId])).get(userId) ?? 'offline';
  }

  /** Enabled users with presence and the number of chats assigned to them now; one user when `onlyId` is given. */
  async agents(onlyId?: string): Promise<AgentView[]> {
    const rows: AgentRow[] = await this.ds.query(
      `SELECT u.id, u.username, u.display_name, u.role, u.capacity, u.can_view_all_chats,
              (SELECT count(*) FROM conversations c WHERE c.state = 'assigned' AND c.assignee_id = u.id)::int AS active_chats
       FROM users u WHERE NOT u.disabled AND ($1::uuid IS NULL OR u.id = $1) ORDER BY u.username`,
      [onlyId ?? null],
    );
    const statuses = await this.statuses(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      role: r.role,
      status: statuses.get(r.id) ?? 'offline',
      capacity: r.capacity,
      canViewAllChats: r.role === 'admin' || r.can_view_all_chats,
      activeChats: r.active_chats,
    }));
  }
}
