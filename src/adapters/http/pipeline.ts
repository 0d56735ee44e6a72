import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../domain/ports/logger.js';
import type { Guards } from './guards.js';
import type { JourneyRecorder } from './journey-recorder.js';
import { applySecurityHeaders, JSONRPC, sendError, sendJson, sendJsonRpcError } from './respond.js';
import type { Router } from './router.js';
import type { Gate, HttpContext, Route } from './types.js';

export interface PipelineOptions {
  readonly router: Router;
  readonly guards: Guards;
  /** Runs before every MCP handler; see {@link Gate}. */
  readonly gate: Gate;
  readonly logger: Logger;
  readonly publicUrl: URL;
  /**
   * CORS for browser clients (MCP Inspector). Applied before the gate, so a browser can read the
   * 401 challenge's `WWW-Authenticate` too.
   */
  readonly cors?: { apply(req: IncomingMessage, res: ServerResponse): void };
  /** Told about every routed request once its response ends (connect journeys, docs/journeys.md). */
  readonly journeys?: JourneyRecorder;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Path and query parsed against the public URL; a malformed target yields `undefined`. */
function parseTarget(req: IncomingMessage, base: URL): URL | undefined {
  const target = req.url ?? '';
  if (!target.startsWith('/')) return undefined;
  try {
    return new URL(target, base.origin);
  } catch {
    return undefined;
  }
}

/** Rejects a request before routing, in the error shape of the path it was aimed at. */
function reject(res: ServerResponse, mcp: boolean, status: number, message: string): void {
  if (mcp) sendJsonRpcError(res, status, JSONRPC.serverError, message);
  else sendError(res, status, status === 403 ? 'forbidden' : 'invalid_request', message);
}

/** Error shape for an exception no handler caught: generic, never echoing internals. */
function failed(ctx: HttpContext, route: Route, error: unknown): void {
  ctx.logger.error('http.unhandled_error', { error: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  if (route.mcp === true) sendJsonRpcError(ctx.res, 500, JSONRPC.internalError, 'Internal server error');
  else sendError(ctx.res, 500, 'server_error', 'Internal server error');
}

/**
 * Browsers send `Origin: null` when posting a form from a page served with
 * `Referrer-Policy: no-referrer` (Keyway's consent and sign-in pages). That is not a foreign site;
 * those handlers check `Sec-Fetch-Site` and their CSRF token themselves. MCP routes never accept it.
 */
function originAccepted(guards: Guards, origin: string | undefined, route: Route): boolean {
  if (guards.originAllowed(origin)) return true;
  return origin === 'null' && route.mcp !== true;
}

function logCompletion(ctx: HttpContext, started: bigint): void {
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  const fields = {
    method: ctx.req.method,
    path: ctx.url.pathname,
    status: ctx.res.statusCode,
    durationMs: Math.round(durationMs * 10) / 10,
    userAgent: ctx.req.headers['user-agent'],
    trace: ctx.req.headers['traceparent'] ?? ctx.req.headers['x-cloud-trace-context'],
  };
  if (ctx.res.statusCode >= 500) ctx.logger.warn('http.request', fields);
  else ctx.logger.info('http.request', fields);
}

interface PipelineContext extends HttpContext {
  /** Tells the context its response closed: a signal read later starts aborted if it never finished. */
  closed(): void;
}

/**
 * The context of one request. Its abort controller and child logger are made on first read (most
 * handlers read neither; the completion log reads the logger once the response ends), so an idle
 * legacy SSE stream does not keep them for hours (issue 7, idle streams).
 */
function createContext(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, base: Logger): PipelineContext {
  let aborter: AbortController | undefined;
  let child: Logger | undefined;
  let ended = false;
  return {
    req,
    res,
    url,
    requestId,
    get logger() {
      child ??= base.child({ requestId });
      return child;
    },
    get signal() {
      if (aborter === undefined) {
        aborter = new AbortController();
        if (ended && !res.writableFinished) aborter.abort();
      }
      return aborter.signal;
    },
    closed() {
      ended = true;
      if (!res.writableFinished) aborter?.abort();
    },
  };
}

/**
 * The request pipeline: request id → security headers → Host guard → route → Origin guard →
 * gate (MCP routes) → handler. Guards run before any handler so no handler sees a forged Host or a
 * foreign Origin; the gate runs before any MCP handler so authentication comes first.
 */
export function createPipeline(options: PipelineOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { router, guards, gate, logger, publicUrl } = options;

  const run = async (ctx: HttpContext, route: Route): Promise<void> => {
    if (route.mcp === true) {
      const principal = await gate(ctx);
      if (principal === undefined) return;
      ctx.principal = principal;
    }
    await route.handler(ctx);
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader('X-Request-Id', requestId);
    applySecurityHeaders(res);
    const url = parseTarget(req, publicUrl);
    if (url === undefined) {
      sendError(res, 400, 'invalid_request', 'malformed request target');
      return;
    }
    const mcpPath = router.isMcpPath(url.pathname);
    if (!guards.hostAllowed(req.headers.host)) {
      logger.warn('http.host_rejected', { requestId, host: req.headers.host, path: url.pathname });
      reject(res, mcpPath, 403, 'Host not allowed');
      return;
    }
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'not_found') {
      sendError(res, 404, 'not_found', 'no such endpoint');
      return;
    }
    if (match.kind === 'method_not_allowed') {
      const allow = match.allow.join(', ');
      if (match.mcp) sendJsonRpcError(res, 405, JSONRPC.serverError, 'Method not allowed', { Allow: allow });
      else sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: allow });
      return;
    }
    if (!originAccepted(guards, req.headers.origin, match.route)) {
      logger.warn('http.origin_rejected', { requestId, origin: req.headers.origin, path: url.pathname });
      reject(res, mcpPath, 403, 'Origin not allowed');
      return;
    }
    options.cors?.apply(req, res);
    const ctx = createContext(req, res, url, requestId, logger);
    // One listener per response: a legacy SSE stream keeps it (and ctx) for its whole life.
    res.once('close', () => {
      ctx.closed();
      logCompletion(ctx, started);
      options.journeys?.(ctx, match.route);
    });
    run(ctx, match.route).catch((error: unknown) => failed(ctx, match.route, error));
  };
}
