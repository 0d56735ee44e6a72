import type { Principal } from '../../domain/principal.js';
import type { HttpContext } from './types.js';

/**
 * The principal the gate verified for this request. Every MCP route runs behind the gate, so its
 * absence is a wiring mistake: fail closed rather than serve the request as anybody.
 */
export function principalOf(ctx: HttpContext): Principal {
  if (ctx.principal === undefined) throw new Error(`${ctx.url.pathname} reached without a principal: mount it behind the gate`);
  return ctx.principal;
}
