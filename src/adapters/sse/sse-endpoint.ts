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
import { SseServerTransport } from './sse-transport.js';

/**
 * `GET /sse` and `POST /messages`: the legacy HTTP+SSE transport (MCP 2024-11-05). Each stream is
 * one session in the registry, owned by the principal that opened it, with its own server instance
 * built by the factory for the `legacy` era.
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

/** An open stream and the promise that settles once everything it held is released. */
interface LiveStream {
  readonly transport: SseServerTransport;
  readonly done: Promise<void>;
  /** Removes the stream from shutdown's list; set once the stream has started. */
  untrack: () => void;
}

export function createSseEndpoint(options: SseEndpointOptions): SseEndpoint {
  const { factory, sessions, lifecycle, logger } = options;
  const streams = new Map<string, LiveStream>();

  // A session ended elsewhere (reaped, grant revoked, shutdown) takes its stream with it.
  sessions.onEnd((session) => {
    if (session.kind === 'sse') void streams.get(session.id)?.transport.close();
  });

  const closeServer = (server: McpServer | Server, sessionId: string): void => {
    server.close().catch((error: unknown) => {
      logger.warn('sse.server_close_failed', { session: shortId(sessionId), error: error instanceof Error ? error.message : String(error) });
    });
  };

  /**
   * Registers the stream of `session`; when the stream ends, for whatever reason, the session ends
   * and the server instance closes. Counted as an open stream so the session is never reaped
   * while the client listens.
   */
  const track = (ctx: HttpContext, session: Session, server: McpServer | Server): LiveStream => {
    const transport = new SseServerTransport(ctx.res, {
      sessionId: session.id,
      heartbeatMs: options.heartbeatMs,
      maxBufferBytes: options.maxBufferBytes,
      retryMs: RECONNECT_AFTER_MS,
      logger: ctx.logger.child({ session: shortId(session.id) }),
    });
    const release = sessions.holdStream(session);
    const done = transport.closed.then((reason) => {
      streams.delete(session.id);
      live.untrack();
      release();
      sessions.end(session.id, 'closed');
      closeServer(server, session.id);
      ctx.logger.info('sse.stream_closed', { session: shortId(session.id), reason });
    });
    const live: LiveStream = { transport, done, untrack: () => undefined };
    streams.set(session.id, live);
    return live;
  };

  const open: Handler = async (ctx) => {
    const principal = principalOf(ctx);
    if (lifecycle.isDraining()) {
      sendJsonRpcError(ctx.res, 503, JSONRPC.serverError, 'Server is shutting down', { 'Retry-After': RETRY_AFTER_SERVER_LIMIT_S });
      return;
    }
    const session = openSession(ctx, sessions, principal);
    if (session === undefined) return;
    let server: McpServer | Server;
    try {
      server = await factory({ era: 'legacy', authInfo: toAuthInfo(principal) });
    } catch (error) {
      sessions.end(session.id, 'closed');
      throw error;
    }
    const live = track(ctx, session, server);
    try {
      await server.connect(live.transport);
    } catch (error) {
      await live.transport.close();
      throw error;
    }
    // Registered only once the stream has started, so a shutdown closes it with `retry:` after
    // the endpoint event, never before the headers.
    if (!live.transport.isClosed) live.untrack = lifecycle.trackStream(() => void live.transport.close());
    ctx.logger.info('sse.stream_opened', { session: shortId(session.id) });
    await live.done;
  };

  const message: Handler = async (ctx) => {
    const principal = principalOf(ctx);
    const id = ctx.url.searchParams.get('sessionId');
    if (id === null || id === '') {
      sendJsonRpcError(ctx.res, 400, JSONRPC.serverError, 'Missing sessionId query parameter');
      return;
    }
    const session = findSession(sessions, id, principal);
    const transport = session === undefined ? undefined : streams.get(session.id)?.transport;
    if (session === undefined || transport === undefined || transport.isClosed) {
      sendJsonRpcError(ctx.res, 404, JSONRPC.serverError, 'Session not found');
      return;
    }
    const parsed = await readMessage(ctx, options.maxBodyBytes);
    if (parsed === undefined) return;
    if (transport.isClosed) {
      // The stream ended while the body was arriving; the message has nowhere to be answered.
      sendJsonRpcError(ctx.res, 404, JSONRPC.serverError, 'Session not found');
      return;
    }
    sessions.touch(session);
    // 202 at once: the JSON-RPC response travels on the SSE stream, never in this body.
    ctx.res.writeHead(202, { 'Content-Length': '0' }).end();
    transport.handleMessage(parsed, { authInfo: toAuthInfo(principal) });
  };

  const close = async (): Promise<void> => {
    await Promise.all(
      [...streams.values()].map(async ({ transport, done }) => {
        await transport.close();
        await done;
      }),
    );
  };

  return { open, message, close };
}
