import type { SimHandler } from '../core/sim-http.types';
import { SimRouter } from '../core/sim-router';
import type { MpSim } from './mp-sim';

/** Paths both WeCom and MP serve (same path under `/cgi-bin`): the access token says whose call it is. */
const SHARED_GET_PATHS: ReadonlySet<string> = new Set(['/cgi-bin/media/get']);

/**
 * A router to register a module on that shares `/cgi-bin/media/get` with MP: the module's handler is
 * mounted on `inner` wrapped so that a request with an access token MP issued is answered by MP
 * instead. Everything else lands on `inner` unchanged.
 */
export function shareMpRoutes(inner: SimRouter, mp: MpSim): SimRouter {
  return new MpSharingRouter(inner, mp);
}

class MpSharingRouter extends SimRouter {
  constructor(
    private readonly inner: SimRouter,
    private readonly mp: MpSim,
  ) {
    super();
  }

  override add(method: string, path: string, handler: SimHandler): this {
    if (method.toUpperCase() !== 'GET' || !SHARED_GET_PATHS.has(path)) {
      this.inner.add(method, path, handler);
      return this;
    }
    this.inner.add(method, path, (req) => (this.mp.ownsAccessToken(req.query.get('access_token')) ? this.mp.handleMediaGet(req) : handler(req)));
    return this;
  }

  override match(method: string, path: string): ReturnType<SimRouter['match']> {
    return this.inner.match(method, path);
  }
}
