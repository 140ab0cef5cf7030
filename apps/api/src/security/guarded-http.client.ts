import { FetchHttpClient, PlatformError, type HttpClient, type HttpRequest, type HttpResponse } from '@imbridge/platform-core';
import { UrlNotAllowedError, type UrlPolicy } from './url-policy';

/** The HttpClient adapters get: every request is checked against the SSRF policy first. */
export class GuardedHttpClient implements HttpClient {
  constructor(
    private readonly policy: UrlPolicy,
    private readonly inner: HttpClient = new FetchHttpClient(),
  ) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    try {
      await this.policy.assertAllowed(req.url);
    } catch (err) {
      if (err instanceof UrlNotAllowedError) throw new PlatformError('CONFIG', err.message, { platformCode: 'URL_NOT_ALLOWED' });
      throw err;
    }
    return this.inner.request(req);
  }
}
