import type { HttpClient, HttpResponse } from '@imbridge/platform-core';
import { LATE_MS, RateLimitedHttpClient } from './rate-limited-http.client';
import type { Permit } from './rate-limiter.service';

const ok = { status: 200 } as HttpResponse;

function client(permits: Permit[]): { http: RateLimitedHttpClient; taken: () => number; calls: () => number } {
  let taken = 0;
  let calls = 0;
  const inner: HttpClient = {
    request: async () => {
      calls++;
      return ok;
    },
  };
  const http = new RateLimitedHttpClient(inner, async () => permits[Math.min(taken++, permits.length - 1)]!);
  return { http, taken: () => taken, calls: () => calls };
}

describe('RateLimitedHttpClient', () => {
  const now = () => performance.now();

  it('takes a permit before each call', async () => {
    const c = client([{ at: now(), saturated: true }]);
    await c.http.request({ method: 'GET', url: 'http://x/' });
    await c.http.request({ method: 'GET', url: 'http://x/' });
    expect([c.taken(), c.calls()]).toEqual([2, 2]);
  });

  it('while the budget is in full use, a call let go later than LATE_MS after its slot takes another slot', async () => {
    const late = { at: now() - LATE_MS - 50, saturated: true };
    const c = client([late, late, { at: now() + 1_000, saturated: true }]);
    await c.http.request({ method: 'GET', url: 'http://x/' });
    expect([c.taken(), c.calls()]).toEqual([3, 1]);
  });

  it('with room in the budget (after an idle spell) lateness does not matter', async () => {
    const c = client([{ at: now() - 500, saturated: false }]);
    await c.http.request({ method: 'GET', url: 'http://x/' });
    expect([c.taken(), c.calls()]).toEqual([1, 1]);
  });

  it('an overloaded process, late slot after slot, lets the call go with its tenth', async () => {
    const c = client([{ at: now() - 1_000, saturated: true }]);
    await c.http.request({ method: 'GET', url: 'http://x/' });
    expect([c.taken(), c.calls()]).toEqual([10, 1]);
  });
});
