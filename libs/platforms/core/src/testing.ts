/**
 * Test doubles for the platform libraries' specs (entry point `@imbridge/platform-core/testing`, never
 * the main entry): a scripted HttpClient (one queue of answers per API path, every request recorded)
 * and an in-memory TokenProvider with the shared token store's contract. Not for production use.
 */
import { PlatformError } from './platform-error';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client';
import type { ContentClaims, TokenProvider } from './sender';

/** One scripted answer (JSON-encoded unless a string or Buffer), or a network failure. */
export type ScriptedReply = { status?: number; body: unknown; headers?: Record<string, string> } | Error;

/** A scripted HttpClient: one queue of answers per API path, every request recorded. */
export class ScriptedHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();

  script(path: string, ...replies: ScriptedReply[]): this {
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
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    return Promise.resolve({
      status,
      headers: new Headers(reply.headers ?? { 'content-type': 'application/json' }),
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
export class MemoryTokens implements TokenProvider {
  readonly store = new Map<string, string>();
  /** Every invalidate call, as made. */
  readonly invalidations: { key: string; failedToken: string }[] = [];
  /** The failed tokens that were current and so actually dropped. */
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
    this.invalidations.push({ key, failedToken });
    if (this.store.get(key) === failedToken) {
      this.store.delete(key);
      this.invalidated.push(failedToken);
    }
    return Promise.resolve();
  }
}

/** The PlatformError a promise rejects with; throws when it resolves or rejects with anything else. */
export async function platformErrorOf(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PlatformError) return err;
    throw err;
  }
  throw new Error('expected a PlatformError, the promise resolved');
}

/**
 * ContentClaims shared by several sends, in memory (the API's are in Redis): `for(owner)` gives the
 * claims of one message (its idempotency key). Expiry is not modelled.
 */
export class MemoryClaims {
  readonly owners = new Map<string, string>();

  for(owner: string): ContentClaims {
    return {
      claim: (digest: string): Promise<boolean> => {
        const holder = this.owners.get(digest);
        if (holder === undefined) this.owners.set(digest, owner);
        return Promise.resolve(holder === undefined || holder === owner);
      },
    };
  }
}
