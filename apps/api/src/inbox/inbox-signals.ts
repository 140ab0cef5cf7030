import { Injectable } from '@nestjs/common';

/**
 * In-process wake-ups for code that waits on an inbox event's outcome (e.g. a callback held open
 * until the bot's answer can go into its HTTP response): the inbox signals an event as soon as its
 * decision committed in this process, so a waiter does not sleep out its polling interval. Waiters
 * still poll: the decision may commit in another process.
 */
@Injectable()
export class InboxSignals {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when `eventId` is signalled here, or after `ms`. */
  wait(eventId: string | null, ms: number): Promise<void> {
    if (eventId === null) return new Promise((r) => setTimeout(r, ms));
    return new Promise((resolve) => {
      const set = this.waiters.get(eventId) ?? new Set<() => void>();
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(eventId) === set) this.waiters.delete(eventId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      this.waiters.set(eventId, set);
    });
  }

  /** The events' decisions committed (cheap when nobody waits). */
  signal(eventIds: Iterable<string>): void {
    if (this.waiters.size === 0) return;
    for (const id of eventIds) for (const done of [...(this.waiters.get(id) ?? [])]) done();
  }
}
