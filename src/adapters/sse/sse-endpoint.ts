import type { JSONRPCMessage, McpServer, McpServerFactory, Server } from '@modelcontextprotocol/server';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/logger.js';
import type { Principal } from '../../domain/principal.js';
import type { SessionRegistry } from '../../domain/sessions/registry.js';
import type { Session } from '../../domain/sessions/session.js';
import { BodyError, mediaType, parseJson, readBody } from '../http/body.js';
import type { Lifecycle } from '../http/lifecycle.js';
import { JSONRPC, sendJsonRpcError } from '../http/respond.js';
import { principalOf } from '../http/principal.js';
import type { Handler, HttpContext } from '../http/types.js';
import { toAuthInfo } from '../mcp/auth-info.js';
import { createHeartbeats } from './heartbeats.js';
import { SseServerTransport, type SseCloseReason, type SseTransportOptions } from './sse-transport.js';

/**
 * `GET /sse` and `POST /messages`: the legacy HTTP+SSE transport (MCP 2024-11-05). Each stream is
 * one session in the registry, owned by the principal that opened it, with its own server instance
 * built by the factory for the `legacy` era on the session's first message.
 * @see MCP 2024-11-05 basic/transports "HTTP with SSE"
 * @see SECURITY.md I3, I8, J1–J5, K4
 */
export interface SseEndpointOptions {
  readonly factory: McpServerFactory;
  readonly sessions: SessionRegistry;
  readonly lifecycle: Lifecycle;
  readonly heartbeatMs: number;
  readonly maxBufferBytes: number;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

export interface SseEndpoint {
  /** Opens a stream (`GET /sse`, and a `GET /mcp` without session or version headers). */
  readonly open: Handler;
  /** Accepts one client message for a stream (`POST /messages?sessionId=…`). */
  readonly message: Handler;
  /** Closes every open stream with a `retry:` hint and waits until each has ended. */
  close(): Promise<void>;
}

/** How long an EventSource waits before reconnecting after the server closed its stream. */
const RECONNECT_AFTER_MS = 1000;

/** `Retry-After` seconds: a per-user cap frees up when the user closes a stream; a full server drains slower. */
const RETRY_AFTER_USER_LIMIT_S = '60';
const RETRY_AFTER_SERVER_LIMIT_S = '10';

/** Only a short prefix of a session id is logged (SECURITY.md M1). */
function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * 429 past the per-user cap (the user should close a stream or wait), 503 past the global cap (the
 * server is full), both with `Retry-After`. @see SECURITY.md K4
 */
function refuseLimit(ctx: HttpContext, scope: 'user' | 'server'): void {
  ctx.logger.warn('sse.session_limit', { scope });
  if (scope === 'user') sendJsonRpcError(ctx.res, 429, JSONRPC.serverError, 'Too many sessions for this user', { 'Retry-After': RETRY_AFTER_USER_LIMIT_S });
  else sendJsonRpcError(ctx.res, 503, JSONRPC.serverError, 'Server at session capacity', { 'Retry-After': RETRY_AFTER_SERVER_LIMIT_S });
}

/** Opens a registry session, or answers the request with the limit error and returns `undefined`. */
function openSession(ctx: HttpContext, sessions: SessionRegistry, principal: Principal): Session | undefined {
  try {
    return sessions.open({ kind: 'sse', owner: principal.subject, ...(principal.grantId === undefined ? {} : { grantId: principal.grantId }) });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    switch (error.code) {
      case 'session_user_limit_reached':
        refuseLimit(ctx, 'user');
        return undefined;
      case 'session_limit_reached':
        refuseLimit(ctx, 'server');
        return undefined;
      default:
        throw error;
    }
  }
}

/** The live session `id` of `principal`, or `undefined` for unknown, ended and foreign ids alike. */
function findSession(sessions: SessionRegistry, id: string, principal: Principal): Session | undefined {
  try {
    const session = sessions.find(id, principal.subject);
    return session.kind === 'sse' ? session : undefined;
  } catch (error) {
    if (isDomainError(error) && error.code === 'session_not_found') return undefined;
    throw error;
  }
}

/**
 * Reads and parses one POSTed JSON-RPC message, or answers 413 / 415 / 400 and returns `undefined`.
 * The size limit is enforced while reading, so an oversize body is refused before it is all read.
 * @see SECURITY.md I5, I6, K1
 */
async function readMessage(ctx: HttpContext, maxBodyBytes: number): Promise<JSONRPCMessage | undefined> {
  if (mediaType(ctx.req) !== 'application/json') {
    sendJsonRpcError(ctx.res, 415, JSONRPC.serverError, 'Content-Type must be application/json');
    return undefined;
  }
  let value: unknown;
  try {
    value = parseJson(await readBody(ctx.req, maxBodyBytes));
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    if (error.code === 'too_large') sendJsonRpcError(ctx.res, 413, JSONRPC.serverError, `Body exceeds ${maxBodyBytes} bytes`);
    else sendJsonRpcError(ctx.res, 400, JSONRPC.parseError, 'Parse error');
    return undefined;
  }
  return toJsonRpc(ctx, value);
}

/** A JSON value that is one JSON-RPC 2.0 message; batches are not part of 2024-11-05's SSE transport. */
function toJsonRpc(ctx: HttpContext, value: unknown): JSONRPCMessage | undefined {
  try {
    return parseJSONRPCMessage(value);
  } catch {
    sendJsonRpcError(ctx.res, 400, JSONRPC.invalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message');
    return undefined;
  }
}

/**
 * What the endpoint keeps per open stream. The session's MCP server is built on the first
 * `POST /messages`, not when the stream opens: most of an idle stream's memory would otherwise be
 * a server nobody has talked to yet (bench/README.md, "Where the time goes").
 */
interface LiveStream {
  readonly transport: SseServerTransport;
  /** Releases the registry's hold on the session (counted as an open stream, never reaped). */
  readonly release: () => void;
  /** Removes the stream from shutdown's list. */
  untrack: () => void;
  /** Settles once the server is connected; set by the first message. */
  ready?: Promise<void>;
  server?: McpServer | Server;
}

export function createSseEndpoint(options: SseEndpointOptions): SseEndpoint {
  const { factory, sessions, lifecycle, logger } = options;
  const streams = new Map<string, LiveStream>();

  const closeServer = (server: McpServer | Server, sessionId: string): void => {
    server.close().catch((error: unknown) => {
      logger.warn('sse.server_close_failed', { session: shortId(sessionId), error: error instanceof Error ? error.message : String(error) });
    });
  };

  /** When a stream ends, for whatever reason, its session ends and its server (if any) closes. */
  const onEnd = (transport: SseServerTransport, reason: SseCloseReason): void => {
    const live = streams.get(transport.sessionId);
    if (live === undefined || live.transport !== transport) return;
    streams.delete(transport.sessionId);
    live.untrack();
    live.release();
    sessions.end(transport.sessionId, 'closed');
    if (live.server !== undefined) closeServer(live.server, transport.sessionId);
    logger.info('sse.stream_closed', { session: shortId(transport.sessionId), reason });
  };

  // One options object and one heartbeat timer for every stream of this endpoint.
  const transportOptions: SseTransportOptions = {
    heartbeats: createHeartbeats<SseServerTransport>(options.heartbeatMs, (transport) => transport.heartbeat()),
    maxBufferBytes: options.maxBufferBytes,
    retryMs: RECONNECT_AFTER_MS,
    logger,
    onEnd,
  };

  // A session ended elsewhere (reaped, grant revoked, shutdown) takes its stream with it.
  sessions.onEnd((session) => {
    if (session.kind === 'sse') void streams.get(session.id)?.transport.close();
  });

  /**
   * Builds and connects the session's server. It is recorded only once connected, so later
   * messages never reach a half-connected server; a stream that ended meanwhile (its `onEnd` found
   * no server to close) closes it here.
   */
  const connect = async (live: LiveStream, principal: Principal): Promise<void> => {
    const server = await factory({ era: 'legacy', authInfo: toAuthInfo(principal) });
    if (!live.transport.isClosed) await server.connect(live.transport);
    if (live.transport.isClosed) {
      closeServer(server, live.transport.sessionId);
      return;
    }
    live.server = server;
  };

  /** The stream's server, built once however many messages arrive while it is being built. */
  const serverOf = async (live: LiveStream, principal: Principal): Promise<void> => {
    live.ready ??= connect(live, principal);
    try {
      await live.ready;
    } catch (error) {
      // A stream whose server cannot be built is of no use: end it, the client reconnects.
      await live.transport.close();
      throw error;
    }
  };

  const open: Handler = async (ctx) => {
    const principal = principalOf(ctx);
    if (lifecycle.isDraining()) {
      sendJsonRpcError(ctx.res, 503, JSONRPC.serverError, 'Server is shutting down', { 'Retry-After': RETRY_AFTER_SERVER_LIMIT_S });
      return;
    }
    const session = openSession(ctx, sessions, principal);
    if (session === undefined) return;
    const transport = new SseServerTransport(ctx.res, session.id, transportOptions);
    const live: LiveStream = { transport, release: sessions.holdStream(session), untrack: () => undefined };
    streams.set(session.id, live);
    transport.open();
    // Registered only once the stream has started, so a shutdown closes it with `retry:` after
    // the endpoint event, never before the headers.
    if (transport.isClosed) return;
    live.untrack = lifecycle.trackStream(() => void transport.close());
    // The endpoint's logger with the request id, not `ctx.logger`: a per-request child logger
    // need not be built (and kept for the stream's lifetime) just for this line.
    logger.info('sse.stream_opened', { requestId: ctx.requestId, session: shortId(session.id) });
  };

  const message: Handler = async (ctx) => {
    const principal = principalOf(ctx);
    const id = ctx.url.searchParams.get('sessionId');
    if (id === null || id === '') {
      sendJsonRpcError(ctx.res, 400, JSONRPC.serverError, 'Missing sessionId query parameter');
      return;
    }
    const session = findSession(sessions, id, principal);
    const live = session === undefined ? undefined : streams.get(session.id);
    if (session === undefined || live === undefined || live.transport.isClosed) {
      sendJsonRpcError(ctx.res, 404, JSONRPC.serverError, 'Session not found');
      return;
    }
    const parsed = await readMessage(ctx, options.maxBodyBytes);
    if (parsed === undefined) return;
    if (live.server === undefined) await serverOf(live, principal);
    if (live.transport.isClosed) {
      // The stream ended while the body was arriving; the message has nowhere to be answered.
      sendJsonRpcError(ctx.res, 404, JSONRPC.serverError, 'Session not found');
      return;
    }
    sessions.touch(session);
    // 202 at once: the JSON-RPC response travels on the SSE stream, never in this body.
    ctx.res.writeHead(202, { 'Content-Length': '0' }).end();
    live.transport.handleMessage(parsed, { authInfo: toAuthInfo(principal) });
  };

  const close = async (): Promise<void> => {
    await Promise.all([...streams.values()].map(({ transport }) => transport.close()));
  };

  return { open, message, close };
}
