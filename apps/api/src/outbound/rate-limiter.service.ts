import { Injectable } from '@nestjs/common';
import { RedisService } from '../common/redis.service';
import { LuaScript, runScript } from './lua-script';

/**
 * Grants are spaced by this much more than 1000/rate ms. The platform counts our calls when they
 * arrive, a little after we granted them and not always equally late (timers fire late, a process is
 * descheduled or pauses for GC, requests queue on a busy event loop); with a 4 % wider spacing, any
 * second at the platform still holds at most `rate` calls as long as that jitter stays under 40 ms
 * (1000 ms × 0.04), and 96 % of the budget is used when there is enough to send. (3 % was tried: on
 * the 2-core bench machine single calls arrived up to ~34 ms late now and then, and one second got
 * 51 of 50.)
 */
export const SPACING_FACTOR = 1.04;
/** A process reserves slots at most this far ahead: a budget change takes effect within it. */
export const RESERVE_HORIZON_MS = 1_000;
/** One reservation covers at most this much of the budget's time (and only callers already waiting). */
const LEASE_SPAN_MS = 100;

/**
 * Reserves up to ARGV[2] consecutive slots, ARGV[1] ms apart, after the integration's next allowed
 * time (KEYS[1], ms on Redis's clock, so that every process agrees), unless that time lies more than
 * ARGV[3] ms ahead. Returns {slots reserved, ms from now to the first slot, 1 if the second slot comes
 * two intervals after the first} (the second as a string: Redis would truncate a fractional number).
 * The key expires a minute after its last slot.
 *
 * After an idle spell (the next allowed time has passed) the first call goes at once but the one
 * after it waits two intervals: a first call after a pause usually opens a connection (or runs cold
 * code) and reaches the platform later than the calls right behind it would.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local idle = nextAt < now
if idle then nextAt = now end
local ahead = nextAt - now
local horizon = tonumber(ARGV[3])
if ahead > horizon then return {0, string.format('%.3f', ahead - horizon)} end
local n = tonumber(ARGV[2])
local gap = 0
if idle then gap = 1 end
local last = nextAt + (n + gap) * interval
redis.call('SET', KEYS[1], string.format('%.3f', last), 'PX', math.ceil(last - now) + 60000)
return {n, string.format('%.3f', ahead), gap}
`;
const RESERVE_SCRIPT = new LuaScript(RESERVE);

/** What a caller gets: when its slot was, and whether the budget was in full use around it. */
export interface Permit {
  /** The slot's time (performance.now()): the caller can tell how late it was let go. */
  at: number;
  /**
   * True when the slot was reserved behind others (calls were waiting for the budget): a call let
   * go late then could reach the platform among the calls behind it and crowd one second. False
   * after an idle spell, when the budget had room to spare.
   */
  saturated: boolean;
}

interface Waiter {
  resolve(permit: Permit): void;
  reject(err: unknown): void;
}

/** The callers of one integration waiting in this process, and the budget they asked under. */
interface Lane {
  waiters: Waiter[];
  ratePerSecond: number;
  pumping: boolean;
}

/**
 * Per-integration send budget shared by every process, as a spacing scheme (GCRA-like): Redis keeps
 * the integration's next allowed time and every grant moves it on by 1000/rate ms × SPACING_FACTOR, so
 * grants never come closer than that, whichever process asks, and any 1-second window holds at most
 * `rate` of them. Callers waiting in one process share a reservation: one script call reserves a slot
 * for each of them (up to LEASE_SPAN_MS worth), and each is let go at its slot's time. Only callers
 * already waiting get slots, so none is wasted while its process lives.
 */
@Injectable()
export class SendRateLimiter {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly redis: RedisService) {}

  /**
   * Resolves when one platform call of the integration may leave now, within `ratePerSecond`, with
   * the slot it got: a caller let go much later than its slot while the budget is in full use (a
   * busy event loop) should take another one (see RateLimitedHttpClient).
   */
  acquire(integrationId: string, ratePerSecond: number): Promise<Permit> {
    let lane = this.lanes.get(integrationId);
    if (!lane) {
      lane = { waiters: [], ratePerSecond, pumping: false };
      this.lanes.set(integrationId, lane);
    }
    // The budget as the latest caller read it: a change applies to the next reservation.
    lane.ratePerSecond = ratePerSecond;
    const granted = new Promise<Permit>((resolve, reject) => lane.waiters.push({ resolve, reject }));
    if (!lane.pumping) {
      // From the next turn of the event loop: callers arriving in this one share the reservation.
      lane.pumping = true;
      setImmediate(() => void this.pump(integrationId, lane));
    }
    return granted;
  }

  /** The interval between two grants at `ratePerSecond`, in ms. */
  static intervalMs(ratePerSecond: number): number {
    return (1000 / Math.max(ratePerSecond, 0.001)) * SPACING_FACTOR;
  }

  private async pump(integrationId: string, lane: Lane): Promise<void> {
    const key = this.redis.key('rate', integrationId);
    try {
      while (lane.waiters.length > 0) {
        // The spacing Redis keeps and the one used here are the same number.
        const intervalArg = SendRateLimiter.intervalMs(lane.ratePerSecond).toFixed(4);
        const interval = Number(intervalArg);
        const wanted = Math.min(lane.waiters.length, Math.max(1, Math.floor(LEASE_SPAN_MS / interval)));
        let reply: [number, string, number];
        try {
          reply = (await runScript(this.redis.client, RESERVE_SCRIPT, [key], [intervalArg, String(wanted), String(RESERVE_HORIZON_MS)])) as [number, string, number];
        } catch (err) {
          // Redis is away: these calls cannot be counted, so they do not leave (the send is retried).
          for (const w of lane.waiters.splice(0)) w.reject(err);
          return;
        }
        const [slots, ms, gap] = [Number(reply[0]), Number(reply[1]), Number(reply[2])];
        if (slots === 0) {
          // Reserved far ahead already (by this process or others): ask again when it comes closer.
          await sleep(Math.ceil(ms));
          continue;
        }
        // Offsets count from when Redis ran the script; counting them from now lets each go a
        // little late, never early.
        releaseAt(lane.waiters.splice(0, slots), performance.now() + ms, interval, gap);
      }
    } finally {
      if (lane.waiters.length === 0) {
        lane.pumping = false;
        this.lanes.delete(integrationId);
      } else void this.pump(integrationId, lane);
    }
  }
}

/**
 * Lets waiter i go at `first + i × interval` (performance.now() time; after the first, `gap` more
 * intervals). A timer may fire before its delay is up by as much as the event loop was busy when it
 * was set (Node counts from the loop's cached time), so the time is checked on each firing and the
 * rest waited for: never early.
 */
function releaseAt(waiters: Waiter[], first: number, interval: number, gap: number): void {
  const slotAt = (i: number): number => first + (i === 0 ? 0 : i + gap) * interval;
  let next = 0;
  const run = (): void => {
    const now = performance.now();
    while (next < waiters.length && slotAt(next) <= now) {
      // After an idle spell (gap) only the first slot had room around it.
      waiters[next]!.resolve({ at: slotAt(next), saturated: gap === 0 || next > 0 });
      next++;
    }
    if (next < waiters.length) setTimeout(run, Math.max(1, Math.ceil(slotAt(next) - now)));
  };
  run();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
