/**
 * Test doubles for this lib's specs: a scripted HttpClient and an in-memory TokenProvider with the
 * shared token store's contract. Not exported from the index; not for production use.
 */
import { PlatformError, type HttpClient, type HttpRequest, type HttpResponse, type TokenProvider } from '@imbridge/platform-core';

/** One scripted answer (JSON-encoded unless a string), or a network failure. */
export type MpScriptedReply = { status?: number; body: unknown } | Error;

/** A scripted HttpClient: one queue of answers per API path, every request recorded. */
export class ScriptedMpHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  private readonly scripts = new Map<string, MpScriptedReply[]>();

  script(path: string, ...replies: MpScriptedReply[]): this {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...replies]);
    return this;
  }

  calls(path: string): HttpRequest[] {
    return this.requests.filter((r) => new URL(r.url).pathname === path);
  }

  jsonBodies(path: string): Record<string, unknown>[] {
    return this.calls(path).map((r) => JSON.parse(String(r.body)) as Record<string, unknown>);
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const path = new URL(req.url).pathname;
    const reply = this.scripts.get(path)?.shift();
    if (reply === undefined) return Promise.reject(new Error(`unexpected request to ${path}`));
    if (reply instanceof Error) return Promise.reject(reply);
    const status = reply.status ?? 200;
    const body = Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    return Promise.resolve({
      status,
      headers: new Headers({ 'content-type': 'application/json' }),
      body,
      json<T>(): T {
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch (err) {
          throw new PlatformError('TEMPORARY', `non-JSON answer (HTTP ${status})`, { cause: err, platformCode: `HTTP_${status}` });
        }
      },
    });
  }
}

/** An in-memory TokenProvider with the real contract: cached per key, invalidated only if still current. */
export class MemoryMpTokens implements TokenProvider {
  readonly store = new Map<string, string>();
  readonly invalidated: string[] = [];
  fetches = 0;

  async get(key: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>): Promise<string> {
    const cached = this.store.get(key);
    if (cached !== undefined) return cached;
    this.fetches++;
    const { token } = await fetchToken();
    this.store.set(key, token);
    return token;
  }

  invalidate(key: string, failedToken: string): Promise<void> {
    if (this.store.get(key) === failedToken) {
      this.store.delete(key);
      this.invalidated.push(failedToken);
    }
    return Promise.resolve();
  }
}

/** The PlatformError a promise rejects with; throws when it resolves or rejects with anything else. */
export async function mpPlatformErrorOf(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PlatformError) return err;
    throw err;
  }
  throw new Error('expected a PlatformError, the promise resolved');
}
