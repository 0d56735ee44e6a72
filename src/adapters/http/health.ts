import type { Lifecycle } from './lifecycle.js';
import { sendJson } from './respond.js';
import type { Route } from './types.js';

/**
 * `GET /healthz`: the process is alive. `GET /readyz`: it accepts new work — 503 from the moment
 * shutdown starts, so a load balancer drains it before the listener closes.
 */
export function healthRoutes(lifecycle: Lifecycle): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handler: async ({ res }) => sendJson(res, 200, { status: 'ok' }, { 'Cache-Control': 'no-store' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async ({ res }) =>
        lifecycle.isReady()
          ? sendJson(res, 200, { status: 'ready' }, { 'Cache-Control': 'no-store' })
          : sendJson(res, 503, { status: 'draining' }, { 'Cache-Control': 'no-store', 'Retry-After': '5' }),
    },
  ];
}
