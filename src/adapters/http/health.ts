import type { Lifecycle } from './lifecycle.js';
import { sendJson } from './respond.js';
import type { Route } from './types.js';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** Why a process that is not ready is not. */
function notReady(lifecycle: Pick<Lifecycle, 'isDraining'>): { status: 'draining' | 'starting' } {
  return { status: lifecycle.isDraining() ? 'draining' : 'starting' };
}

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it accepts new work — 503 `draining` from the
 * moment shutdown starts, so a load balancer drains it before the listener closes, and 503
 * `starting` while it is not ready for another reason (the MCP side still loading, container.ts).
 */
export function healthRoutes(lifecycle: Pick<Lifecycle, 'isReady' | 'isDraining'>): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: async ({ res }) => sendJson(res, 200, { status: 'ok' }, NO_STORE),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async ({ res }) =>
        lifecycle.isReady()
          ? sendJson(res, 200, { status: 'ready' }, NO_STORE)
          : sendJson(res, 503, notReady(lifecycle), { ...NO_STORE, 'Retry-After': '5' }),
    },
  ];
}
