import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../domain/ports/logger.js';
import type { Principal } from '../../domain/principal.js';

/** One request as it moves through the pipeline. */
export interface HttpContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path and query as received, parsed against the public URL (never against `Host`). */
  readonly url: URL;
  readonly requestId: string;
  readonly logger: Logger;
  /** Set by the gate on MCP routes; handlers read it, never the raw `Authorization` header. */
  principal?: Principal;
  /** Fires when the client goes away before the response is finished. */
  readonly signal: AbortSignal;
}

export type Handler = (ctx: HttpContext) => Promise<void>;

/**
 * A gate runs before an MCP handler. It either returns the principal the request acts as, or
 * answers the request itself (401, 403 …) and returns `undefined`.
 * @see DESIGN.md "The connect flow" step 1: authentication is checked before anything else.
 */
export type Gate = (ctx: HttpContext) => Promise<Principal | undefined>;

export interface Route {
  readonly method: string;
  readonly path: string;
  readonly handler: Handler;
  /** MCP routes get JSON-RPC shaped guard errors and pass through the gate. */
  readonly mcp?: boolean;
}
