import type { HttpClient, HttpRequest, HttpResponse } from '@imbridge/platform-core';

/**
 * The HTTP client one send works with: each call to the platform takes a permit of the integration's
 * rate budget right before it leaves. Counting calls rather than messages also covers a token
 * refresh and the call retried after it, and no token fetch sits between the permit and the call
 * (the platform counts arrivals; a late arrival would squeeze two calls into one of its windows).
 */
export class RateLimitedHttpClient implements HttpClient {
  constructor(
    private readonly inner: HttpClient,
    private readonly permit: () => Promise<void>,
  ) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    await this.permit();
    return this.inner.request(req);
  }
}
