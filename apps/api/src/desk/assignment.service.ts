import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConversationStateService } from '../conversations/conversation-state.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { PresenceService } from '../realtime/presence.service';

/** One lock for every process's assignment runs (hashtextextended of this name). */
const ASSIGN_LOCK = 'desk:auto-assign';
const BATCH = 200;

interface Candidate {
  id: string;
  capacity: number;
  active: number;
  /** Round-robin order: ms of the last assignment, -Infinity for never. */
  lastAssigned: number;
}

/**
 * Auto-assignment: queued chats (oldest queued_at first) of integrations whose bot settings allow it
 * (auto_assign, default true) go round-robin to enabled users who are online (not away, not
 * offline) and below their capacity, the one assigned longest ago (never first) each time.
 *
 * Cluster-safe: a run holds a PostgreSQL advisory lock (session-level: released if the process dies),
 * so runs of all processes are serialized and each reads fresh counts; each chat moves with the state
 * service's conditional UPDATE (`queued → assigned`), audit-logged with the system as actor, so a chat
 * is never given twice even if two runs raced.
 */
@Injectable()
export class AssignmentService implements OnModuleInit {
  private readonly logger = new Logger('AutoAssign');
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly ds: DataSource,
    private readonly states: ConversationStateService,
    private readonly presence: PresenceService,
    private readonly notifier: DeskNotifier,
  ) {}

  onModuleInit(): void {
    this.notifier.onQueueChanged(() => this.schedule());
  }

  /** Runs soon; triggers while a run is going coalesce into one more run after it. */
  schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when the scheduled runs of this process are done (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<number> {
    let total = 0;
    do {
      this.again = false;
      try {
        total += await this.runOnce();
      } catch (err) {
        this.logger.warn(`auto-assignment failed: ${(err as Error).message}`);
      }
    } while (this.again);
    return total;
  }

  /** One run under the cluster-wide lock; returns how many chats were assigned. */
  async runOnce(): Promise<number> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SET lock_timeout = '30s'`);
      await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [ASSIGN_LOCK]);
      try {
        return await this.assignQueued();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [ASSIGN_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  private async assignQueued(): Promise<number> {
    const chats: { id: string }[] = await this.ds.query(
      `SELECT c.id FROM conversations c LEFT JOIN bot_settings b ON b.integration_id = c.integration_id
       WHERE c.state = 'queued' AND COALESCE(b.auto_assign, true)
       ORDER BY c.queued_at ASC NULLS LAST, c.created_at ASC, c.id LIMIT ${BATCH}`,
    );
    if (chats.length === 0) return 0;
    const candidates = await this.candidates();
    let assigned = 0;
    for (const chat of chats) {
      const next = candidates
        .filter((c) => c.active < c.capacity)
        .sort((a, b) => a.lastAssigned - b.lastAssigned || a.id.localeCompare(b.id))[0];
      if (!next) break;
      const done = await this.ds.transaction(async (m) => {
        const result = await this.states.assign(m, chat.id, next.id);
        if (result) await m.query('UPDATE users SET last_assigned_at = clock_timestamp() WHERE id = $1', [next.id]);
        return result;
      });
      if (!done) continue; // claimed or closed meanwhile
      next.active++;
      next.lastAssigned = Date.now() + assigned; // strictly after every earlier pick of this run
      assigned++;
      this.states.announce(chat.id, done);
    }
    if (assigned > 0) this.logger.log(`assigned ${assigned} queued chat(s)`);
    return assigned;
  }

  private async candidates(): Promise<Candidate[]> {
    const rows: { id: string; capacity: number; active: number; last_assigned_at: Date | null }[] = await this.ds.query(
      `SELECT u.id, u.capacity, u.last_assigned_at,
              (SELECT count(*) FROM conversations c WHERE c.state = 'assigned' AND c.assignee_id = u.id)::int AS active
       FROM users u WHERE NOT u.disabled AND u.capacity > 0 AND u.role IN ('agent', 'admin')`,
    );
    const statuses = await this.presence.statuses(rows.map((r) => r.id));
    return rows
      .filter((r) => statuses.get(r.id) === 'online')
      .map((r) => ({ id: r.id, capacity: r.capacity, active: r.active, lastAssigned: r.last_assigned_at ? new Date(r.last_assigned_at).getTime() : -Infinity }));
  }
}

/** Worker role: a periodic run, the safety net for a trigger lost with a process or Redis. */
@Injectable()
export class AssignmentSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly assignment: AssignmentService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.assignment.schedule(), this.config.sweepIntervalMs);
    this.timer.unref();
    this.assignment.schedule();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
