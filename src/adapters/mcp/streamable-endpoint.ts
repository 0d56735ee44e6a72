import {
  createMcpHandler,
  isLegacyRequest,
  type McpHttpHandler,
  type McpServerFactory,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import { BodyError, mediaType, parseJson, readBody } from '../http/body.js';
import type { Lifecycle } from '../http/lifecycle.js';
import { JSONRPC, sendJsonRpcError } from '../http/respond.js';
import { principalOf } from '../http/principal.js';
import type { Handler, HttpContext } from '../http/types.js';
import { toAuthInfo, type ToolHandover } from './auth-info.js';
import type { FastHandover, FastPath } from './fast-path.js';
import { toWebHeaders, toWebRequest, writeWebResponse } from './fetch-bridge.js';
import { metaVersionOf, normaliseAccept, reconcileVersion } from './request-shape.js';
import type { SessionHandlers } from './streamable-sessions.js';

/** Serves a 2025-era POST: statelessly, or on a session. */
export interface LegacyLeg {
  post(ctx: HttpContext, parsed: ParsedPost): Promise<void>;
}

/**
 * `/mcp` (and `POST /sse`): Streamable HTTP for every era on one URL.
 * - 2026-07-28 requests (a `_meta` protocol-version claim) go to the SDK's stateless handler.
 * - 2025 requests (`initialize`-based) go to the legacy leg: stateless serving that can still route
 *   answers to server-to-client requests, or, in sessions mode, per-session transports.
 * - Before either, a plain stateless `tools/call` of a pack tool (2026-07-28; 2025-11-25 when
 *   Keyway keeps no sessions) takes the factory's fast path (fast-path.ts), unless `fastPath: false`.
 * - A `GET` with neither `Mcp-Session-Id` nor `MCP-Protocol-Version` that accepts SSE is a
 *   2024-11-05 client: it gets a legacy SSE stream. Any other stateless `GET` is 405 with `Allow`.
 * @see MCP 2025-11-25 basic/transports, MCP 2026-07-28 basic/transports, DESIGN.md "One URL, every era"
 */
export interface StreamableEndpointOptions {
  /** With a `fastPath` (server-factory.ts), plain stateless tool calls skip the SDK (fast-path.ts). */
  readonly factory: McpServerFactory & { readonly fastPath?: FastPath };
  /** Whether to use the factory's fast path; default true. Off, every request takes the SDK path. */
  readonly fastPath?: boolean;
  /** The bus the packs announce changes on, so 2026-07-28 `subscriptions/listen` streams hear them. */
  readonly bus?: ServerEventBus;
  /** Serves 2025-era POSTs (the session handlers in sessions mode). */
  readonly legacy: LegacyLeg;
  /** Present in sessions mode only: serves GET and DELETE on a session. */
  readonly sessions?: SessionHandlers;
  /** Opens a 2024-11-05 SSE stream (the legacy transport's `GET /sse`). */
  readonly openLegacyStream: Handler;
  readonly lifecycle: Lifecycle;
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly publicUrl: URL;
  readonly logger: Logger;
}

export interface StreamableEndpoint {
  readonly post: Handler;
  readonly get: Handler;
  readonly delete: Handler;
  close(): Promise<void>;
}

/** The parts of a POST that every leg needs once it has been read and checked. */
export interface ParsedPost {
  readonly request: Request;
  readonly body: unknown;
  /** A tool call the fast path started, for the SDK path to resume (fast-path.ts). */
  readonly handover?: ToolHandover;
}

const STATELESS_ALLOW = 'POST';

function bodyFailure(ctx: HttpContext, error: BodyError): void {
  switch (error.code) {
    case 'too_large':
      sendJsonRpcError(ctx.res, 413, JSONRPC.serverError, 'Request body too large', { Connection: 'close' });
      return;
    case 'invalid_json':
    case 'invalid_utf8':
      sendJsonRpcError(ctx.res, 400, JSONRPC.parseError, 'Parse error: the body is not valid JSON');
      return;
    default:
      sendJsonRpcError(ctx.res, 400, JSONRPC.serverError, 'The request body could not be read');
  }
}

/** A POST read and checked, before any web `Request` exists. */
interface ReadPost {
  readonly body: unknown;
  readonly accept: string;
  /** The `MCP-Protocol-Version` to hand the SDK (Keyway's reconciliation with `_meta`). */
  readonly protocolVersion: string | undefined;
}

/** Reads, checks and reshapes a POST; answers the client itself and returns `undefined` on failure. */
async function readPost(ctx: HttpContext, options: StreamableEndpointOptions): Promise<ReadPost | undefined> {
  if (mediaType(ctx.req) !== 'application/json') {
    sendJsonRpcError(ctx.res, 415, JSONRPC.serverError, 'Unsupported Media Type: Content-Type must be application/json');
    return undefined;
  }
  const accept = normaliseAccept(ctx.req.headers.accept);
  if (accept === undefined) {
    sendJsonRpcError(ctx.res, 406, JSONRPC.serverError, 'Not Acceptable: accept application/json and text/event-stream');
    return undefined;
  }
  let body: unknown;
  try {
    body = parseJson(await readBody(ctx.req, options.maxBodyBytes));
  } catch (error) {
    if (error instanceof BodyError) {
      bodyFailure(ctx, error);
      return undefined;
    }
    throw error;
  }
  const version = reconcileVersion(ctx.req.headers, body);
  if (version.mismatch !== undefined) ctx.logger.warn('mcp.version_mismatch_served_per_meta', version.mismatch);
  const header = ctx.req.headers['mcp-protocol-version'];
  return { body, accept, protocolVersion: version.header ?? (typeof header === 'string' ? header : undefined) };
}

/** The web `Request` the SDK takes (without a body: every leg hands the SDK the parsed one). */
function bridge(ctx: HttpContext, read: ReadPost, handover?: ToolHandover): ParsedPost {
  const overrides: Record<string, string> = { accept: read.accept };
  // Keyway's reconciled version, or the client's own header unchanged.
  if (read.protocolVersion !== undefined) overrides['mcp-protocol-version'] = read.protocolVersion;
  const request = toWebRequest({ method: 'POST', url: ctx.url, headers: toWebHeaders(ctx.req.headers, overrides), signal: ctx.signal });
  return { request, body: read.body, ...(handover === undefined ? {} : { handover }) };
}

/**
 * Writes a fast-path answer with its length and the headers Keyway's bridge gives the same answer
 * from the SDK (fetch-bridge.ts). A string body goes out in the same socket write as the head.
 */
function writeFast(ctx: HttpContext, body: string, eventStream: boolean): void {
  if (ctx.res.destroyed) return;
  const length = String(Buffer.byteLength(body));
  ctx.res.writeHead(
    200,
    eventStream
      ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'content-length': length }
      : { 'content-type': 'application/json', 'content-length': length },
  );
  ctx.res.end(body);
}

/**
 * Whether the SDK would route this POST to its 2025 leg. A body whose `_meta` carries a protocol
 * version claim is always the modern path's (even for a revision it does not serve), so the SDK's
 * classification runs only for claim-less bodies — it is a measurable share of each request.
 */
async function isLegacy(parsed: ParsedPost, maxBodyBytes: number): Promise<boolean> {
  if (metaVersionOf(parsed.body) !== undefined) return false;
  return isLegacyRequest(parsed.request, parsed.body, { maxRequestBodySize: maxBodyBytes });
}

export function createStreamableEndpoint(options: StreamableEndpointOptions): StreamableEndpoint {
  const handler: McpHttpHandler = createMcpHandler(options.factory, {
    // 2025 traffic never reaches this handler: Keyway routes it to its own legacy leg.
    legacy: 'reject',
    responseMode: 'auto',
    keepAliveMs: options.heartbeatMs,
    maxRequestBodySize: options.maxBodyBytes,
    ...(options.bus === undefined ? {} : { bus: options.bus }),
    onerror: (error) => options.logger.debug('mcp.handler_error', { error: error.message }),
  });
  const sessions = options.sessions;

  const fast = options.fastPath === false ? undefined : options.factory.fastPath;

  /** The SDK's answer, resuming the fast path's call when it handed one over. */
  const serveSdk = async (ctx: HttpContext, read: ReadPost, handover?: FastHandover): Promise<void> => {
    const parsed = bridge(ctx, read, handover);
    const legacy = handover === undefined ? await isLegacy(parsed, options.maxBodyBytes) : handover.era === 'legacy';
    if (legacy) {
      await options.legacy.post(ctx, parsed);
      return;
    }
    const authInfo = toAuthInfo(principalOf(ctx), handover);
    const response = await handler.fetch(parsed.request, { authInfo, parsedBody: parsed.body });
    await writeWebResponse(ctx.res, response);
  };

  const post: Handler = async (ctx) => {
    const read = await readPost(ctx, options);
    if (read === undefined) return;
    if (fast === undefined) {
      await serveSdk(ctx, read);
      return;
    }
    const outcome = await fast.serve({
      ...read,
      headers: ctx.req.headers,
      principal: principalOf(ctx),
      // Lazy: the request's AbortController is built only for a tool that reads its signal.
      get signal(): AbortSignal {
        return ctx.signal;
      },
      statelessLegacy: sessions === undefined,
      heartbeatMs: options.heartbeatMs,
    });
    if (outcome.body !== undefined) {
      writeFast(ctx, outcome.body, outcome.eventStream);
      return;
    }
    try {
      await serveSdk(ctx, read, outcome.handover);
    } finally {
      outcome.handover?.release();
    }
  };

  const get: Handler = async (ctx) => {
    const sessionId = ctx.req.headers['mcp-session-id'];
    const version = ctx.req.headers['mcp-protocol-version'];
    const acceptsSse = (ctx.req.headers.accept ?? '').toLowerCase().includes('text/event-stream');
    if (sessionId === undefined && version === undefined && acceptsSse) {
      await options.openLegacyStream(ctx);
      return;
    }
    if (sessions !== undefined) {
      await sessions.get(ctx);
      return;
    }
    sendJsonRpcError(ctx.res, 405, JSONRPC.serverError, 'Method not allowed: this endpoint is stateless; POST requests', {
      Allow: STATELESS_ALLOW,
    });
  };

  const remove: Handler = async (ctx) => {
    if (sessions !== undefined) {
      await sessions.delete(ctx);
      return;
    }
    sendJsonRpcError(ctx.res, 405, JSONRPC.serverError, 'Method not allowed: this endpoint keeps no sessions', {
      Allow: STATELESS_ALLOW,
    });
  };

  return {
    post,
    get,
    delete: remove,
    async close() {
      await handler.close();
      await sessions?.close();
    },
  };
}
