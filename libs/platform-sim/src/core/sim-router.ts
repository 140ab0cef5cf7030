import type { SimHandler } from './sim-http.types';

export type RouteMatch = { kind: 'found'; handler: SimHandler } | { kind: 'not_found' } | { kind: 'method_not_allowed'; allowed: string[] };

/**
 * Exact-path router (the platforms' APIs have fixed paths, so no patterns are needed).
 * Each platform module registers its routes on the shared router.
 */
export class SimRouter {
  private readonly routes = new Map<string, Map<string, SimHandler>>();

  add(method: string, path: string, handler: SimHandler): this {
    const byMethod = this.routes.get(path) ?? new Map<string, SimHandler>();
    const upper = method.toUpperCase();
    if (byMethod.has(upper)) throw new Error(`route ${upper} ${path} registered twice`);
    byMethod.set(upper, handler);
    this.routes.set(path, byMethod);
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const byMethod = this.routes.get(path);
    if (!byMethod) return { kind: 'not_found' };
    const handler = byMethod.get(method.toUpperCase());
    if (handler) return { kind: 'found', handler };
    return { kind: 'method_not_allowed', allowed: [...byMethod.keys()] };
  }
}
