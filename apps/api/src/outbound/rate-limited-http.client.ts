import type { HttpClient, HttpRequest, HttpResponse } from '@imbridge/platform-core';
import type { Permit } from './rate-limiter.service';

/**
 * While the budget is in full use, a call let go more than this after its slot takes another slot.
 * The limiter spaces slots so that any second at the platform holds at most the budget while arrivals
 * jitter by less than 40 ms (SPACING_FACTOR); calls released late together (an event loop busy at a
 * process's start, a long GC pause) could reach the platform right before the calls released on
 * time behind them and crowd one second. 20 ms leaves 20 for the rest of the way to the platform.
 * With room in the budget (after an idle spell) lateness crowds nothing and is not checked.
 */
export const LATE_MS = 20;
/** A process so overloaded that slot after slot comes late lets the call go with its tenth. */
const MAX_LATE_RETRIES = 9;

/**
 * The HTTP client one send works with: each call to the platform takes a permit of the integration's
 * rate budget right before it leaves. Counting calls rather than messages also covers a token
 * refresh and the call retried after it, and no token fetch sits between the permit and the call
 * (the platform counts arrivals; a late arrival would squeeze two calls into one of its windows).
 */
export class RateLimitedHttpClient implements HttpClient {
  constructor(
    private readonly inner: HttpClient,
    /** Resolves with the slot granted. */
    private readonly permit: () => Promise<Permit>,
  ) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    for (let late = 0; ; late++) {
      const permit = await this.permit();
      if (!permit.saturated || performance.now() - permit.at <= LATE_MS || late >= MAX_LATE_RETRIES) break;
    }
    return this.inner.request(req);
  }
}
