import type { Handler, Route } from './types.js';

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[]; readonly mcp: boolean }
  | { readonly kind: 'not_found' };

export interface Router {
  match(method: string, path: string): RouteMatch;
  /** True when some route serves `path` (any method): decides the error shape of early rejections. */
  isMcpPath(path: string): boolean;
}

/**
 * A method + exact-path table. No patterns, no trailing-slash redirects: `/mcp` and `/mcp/` are
 * different entries, registered explicitly where both must work (clients do not follow a 307 on POST).
 */
export function createRouter(routes: readonly Route[]): Router {
  const byPath = new Map<string, Map<string, Route>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Map<string, Route>();
    if (methods.has(route.method)) throw new Error(`duplicate route ${route.method} ${route.path}`);
    methods.set(route.method, route);
    byPath.set(route.path, methods);
  }
  return {
    match(method, path) {
      const methods = byPath.get(path);
      if (methods === undefined) return { kind: 'not_found' };
      const route = methods.get(method) ?? headFallback(method, methods.get('GET'));
      if (route !== undefined) return { kind: 'found', route };
      const allow = [...methods.keys()];
      const mcp = [...methods.values()].some((candidate) => candidate.mcp === true);
      return { kind: 'method_not_allowed', allow, mcp };
    },
    isMcpPath(path) {
      const methods = byPath.get(path);
      return methods !== undefined && [...methods.values()].some((route) => route.mcp === true);
    },
  };
}

/** HEAD is served like GET on plain routes; MCP routes answer 405 to it (MCP defines no HEAD). */
function headFallback(method: string, get: Route | undefined): Route | undefined {
  return method === 'HEAD' && get !== undefined && get.mcp !== true ? get : undefined;
}

/** Registers `handler` under each of `paths` for `method`. */
export function routes(method: string, paths: readonly string[], handler: Handler, mcp = false): Route[] {
  return paths.map((path) => ({ method, path, handler, mcp }));
}
