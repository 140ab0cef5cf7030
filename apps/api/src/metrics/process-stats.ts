import { hostname } from 'node:os';
import Redis from 'ioredis';
import { Client } from 'pg';

/**
 * What one process has done since it started: PostgreSQL statements, Redis commands, CPU time, and
 * the pipeline's own counts (callbacks stored, messages answered, sends). Budgets per message are
 * these counters' differences divided by the messages that passed (see GET /api/metrics and
 * `npm run bench`). Counting is one increment per call, cheap enough to stay on in production.
 */
export interface ProcessCounters {
  pgStatements: number;
  redisCommands: number;
  /** Pipeline events, by name (e.g. 'inbox.stored', 'bot.decided', 'outbound.sent'). */
  events: Record<string, number>;
}

const counters: ProcessCounters = { pgStatements: 0, redisCommands: 0, events: Object.create(null) as Record<string, number> };
let installed = false;
const statements: Record<string, number> = Object.create(null) as Record<string, number>;

/**
 * Counts every statement the `pg` driver sends and every command an ioredis client sends (Bull's
 * clients included: they are ioredis too). Installed once per process, before any client exists.
 */
export function installProcessStats(): void {
  if (installed) return;
  installed = true;
  const pgProto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = pgProto.query;
  // IMBRIDGE_STATS_STATEMENTS=true: also count by statement text (profiling; the texts are in /api/metrics).
  const byText = process.env['IMBRIDGE_STATS_STATEMENTS'] === 'true';
  pgProto.query = function counted(this: unknown, ...args: unknown[]) {
    counters.pgStatements++;
    if (byText) {
      const first = args[0];
      const text = typeof first === 'string' ? first : String((first as { text?: string } | null)?.text ?? '');
      const key = text.replace(/\s+/g, ' ').slice(0, 160);
      statements[key] = (statements[key] ?? 0) + 1;
    }
    return query.apply(this, args);
  };
  const redisByName = process.env['IMBRIDGE_STATS_STATEMENTS'] === 'true';
  const redisProto = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const sendCommand = redisProto.sendCommand;
  redisProto.sendCommand = function counted(this: unknown, ...args: unknown[]) {
    counters.redisCommands++;
    if (redisByName) {
      const name = `redis ${String((args[0] as { name?: string } | null)?.name ?? '?')}`;
      statements[name] = (statements[name] ?? 0) + 1;
    }
    return sendCommand.apply(this, args);
  };
}

/** One more pipeline event (cheap; no I/O). */
export function countEvent(name: string, n = 1): void {
  counters.events[name] = (counters.events[name] ?? 0) + n;
}

export interface ProcessSnapshot {
  /** host:pid */
  id: string;
  role: string;
  pid: number;
  at: string;
  uptimeSeconds: number;
  /** User + system CPU time, microseconds. */
  cpuMicros: number;
  rssBytes: number;
  pgStatements: number;
  redisCommands: number;
  events: Record<string, number>;
  /** By statement text and Redis command name, when IMBRIDGE_STATS_STATEMENTS=true. */
  statements?: Record<string, number>;
}

export function snapshot(role: string): ProcessSnapshot {
  const cpu = process.cpuUsage();
  return {
    id: `${hostname()}:${process.pid}`,
    role,
    pid: process.pid,
    at: new Date().toISOString(),
    uptimeSeconds: Math.round(process.uptime()),
    cpuMicros: cpu.user + cpu.system,
    rssBytes: process.memoryUsage.rss(),
    pgStatements: counters.pgStatements,
    redisCommands: counters.redisCommands,
    events: { ...counters.events },
    ...(Object.keys(statements).length > 0 ? { statements: { ...statements } } : {}),
  };
}
