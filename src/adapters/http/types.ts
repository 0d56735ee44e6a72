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
  /** The request's child logger (carries `requestId`); made on first read. */
  readonly logger: Logger;
  /** Set by the gate on MCP routes; handlers read it, never the raw `Authorization` header. */
  principal?: Principal;
  /**
   * Fires when the client goes away before the response is finished; made on first read (already
   * aborted if read after that happened).
   */
  readonly signal: AbortSignal;
  /** What a handler learned for the connect journey (journey-recorder.ts). Never a secret. */
  journey?: JourneyNote;
}

/** A handler's annotation of its request for the connect journey; the recorder reads it once the response ends. */
export interface JourneyNote {
  /** The client the request names or authenticated as. */
  readonly clientId?: string;
  /** The browser's binding value on the authorization leg; the recorder keeps only a digest of it. */
  readonly browser?: string;
  /** Whether the step did what the client wanted, when the status alone does not say (a redirect carrying an error). */
  readonly ok?: boolean;
  /** A short machine-readable outcome or reason (`consent_shown`, `invalid_grant` …). */
  readonly note?: string;
  /** The host of the redirect URI an `/authorize` request named. */
  readonly redirectHost?: string;
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
