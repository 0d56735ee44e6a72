import {
  isInitializeRequest,
  WebStandardStreamableHTTPServerTransport,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import { isDomainError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/logger.js';
import type { SessionRegistry } from '../../domain/sessions/registry.js';
import type { Session } from '../../domain/sessions/session.js';
import type { Lifecycle } from '../http/lifecycle.js';
import { JSONRPC, sendJsonRpcError } from '../http/respond.js';
import { principalOf } from '../http/principal.js';
import type { Handler, HttpContext } from '../http/types.js';
import { toAuthInfo } from './auth-info.js';
import { createBoundedEventStore, type EventStoreLimits } from './event-store.js';
import { toWebHeaders, toWebRequest, writeWebResponse } from './fetch-bridge.js';
import { onlyNotifications } from './request-shape.js';
import type { ParsedPost } from './streamable-endpoint.js';

/**
 * Optional sessions mode for the 2025 eras (`KEYWAY_MCP_SESSIONS=on`): `initialize` opens a session
 * (`Mcp-Session-Id`), `GET` serves its listen stream, `DELETE` ends it, and an ended or expired id
 * answers 404. The lifecycle rules (owner, idle TTL, caps) live in the domain's SessionRegistry;
 * this module only keeps each session's SDK transport.
 * @see MCP 2025-11-25 basic/transports "Session Management"
 */
export interface SessionHandlers {
  post(ctx: HttpContext, parsed: ParsedPost): Promise<void>;
  readonly get: Handler;
  readonly delete: Handler;
  close(): Promise<void>;
}

export interface SessionHandlersOptions {
  readonly factory: McpServerFactory;
  readonly registry: SessionRegistry;
  readonly lifecycle: Lifecycle;
  readonly heartbeatMs: number;
  readonly maxBodyBytes: number;
  readonly events: EventStoreLimits;
  /** The `retry:` hint (ms) sent before the server closes a stream itself. */
  readonly retryMs: number;
  readonly logger: Logger;
}

interface Live {
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly close: () => Promise<void>;
}

function limitFailure(ctx: HttpContext, message: string, perUser: boolean): void {
  if (perUser) sendJsonRpcError(ctx.res, 429, JSONRPC.serverError, message, { 'Retry-After': '60' });
  else sendJsonRpcError(ctx.res, 503, JSONRPC.serverError, message, { 'Retry-After': '30' });
}

function sessionIdOf(ctx: HttpContext): string | undefined {
  const value = ctx.req.headers['mcp-session-id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function createSessionHandlers(options: SessionHandlersOptions): SessionHandlers {
  const { registry, logger } = options;
  const live = new Map<string, Live>();

  registry.onEnd((session, reason) => {
    if (session.kind !== 'streamable') return;
    const entry = live.get(session.id);
    live.delete(session.id);
    if (entry !== undefined) {
      logger.info('mcp.session_ended', { sessionId: session.id.slice(0, 8), reason });
      entry.close().catch(() => undefined);
    }
  });

  /** The caller's live session, or an answer (400 missing id / 404 unknown) and `undefined`. */
  const findSession = (ctx: HttpContext): { session: Session; live: Live } | undefined => {
    const id = sessionIdOf(ctx);
    if (id === undefined) {
      sendJsonRpcError(ctx.res, 400, JSONRPC.serverError, 'Bad Request: Mcp-Session-Id header is required');
      return undefined;
    }
    try {
      const session = registry.find(id, principalOf(ctx).subject);
      const entry = live.get(id);
      if (entry !== undefined) return { session, live: entry };
    } catch (error) {
      if (!isDomainError(error)) throw error;
    }
    sendJsonRpcError(ctx.res, 404, -32001, 'Session not found');
    return undefined;
  };

  const openSession = async (ctx: HttpContext, parsed: ParsedPost): Promise<void> => {
    const principal = principalOf(ctx);
    let session: Session;
    try {
      session = registry.open({
        kind: 'streamable',
        owner: principal.subject,
        ...(principal.grantId === undefined ? {} : { grantId: principal.grantId }),
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      if (error.code !== 'session_limit_reached' && error.code !== 'session_user_limit_reached') throw error;
      limitFailure(ctx, error.message, error.code === 'session_user_limit_reached');
      return;
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => session.id,
      eventStore: createBoundedEventStore(options.events),
      retryInterval: options.retryMs,
      keepAliveMs: options.heartbeatMs,
      maxRequestBodySize: options.maxBodyBytes,
      onsessionclosed: (id) => registry.end(id, 'closed'),
    });
    const authInfo = toAuthInfo(principal);
    const server = await options.factory({ era: 'legacy', authInfo, requestInfo: parsed.request });
    await server.connect(transport);
    live.set(session.id, { transport, close: () => server.close() });
    const response = await registry.track(session, () =>
      transport.handleRequest(parsed.request, { authInfo, parsedBody: parsed.body }),
    );
    if (response.status !== 200) registry.end(session.id, 'closed');
    else logger.info('mcp.session_opened', { sessionId: session.id.slice(0, 8) });
    await writeWebResponse(ctx.res, response);
  };

  const post = async (ctx: HttpContext, parsed: ParsedPost): Promise<void> => {
    if (sessionIdOf(ctx) === undefined) {
      if (isInitializeRequest(parsed.body)) return openSession(ctx, parsed);
      if (onlyNotifications(parsed.body)) {
        ctx.res.writeHead(202).end();
        return;
      }
    }
    const found = findSession(ctx);
    if (found === undefined) return;
    const authInfo = toAuthInfo(principalOf(ctx));
    const response = await registry.track(found.session, () =>
      found.live.transport.handleRequest(parsed.request, { authInfo, parsedBody: parsed.body }),
    );
    await writeWebResponse(ctx.res, response);
  };

  const get: Handler = async (ctx) => {
    const found = findSession(ctx);
    if (found === undefined) return;
    const request = toWebRequest({ method: 'GET', url: ctx.url, headers: toWebHeaders(ctx.req.headers), signal: ctx.signal });
    const response = await found.live.transport.handleRequest(request, { authInfo: toAuthInfo(principalOf(ctx)) });
    await writeWebResponse(ctx.res, response, {
      sseFirstComment: true,
      onStreamOpen: () => {
        const release = registry.holdStream(found.session);
        const untrack = options.lifecycle.trackStream(() => {
          if (!ctx.res.writableEnded) ctx.res.end(`retry: ${options.retryMs}\n\n`);
        });
        return () => {
          release();
          untrack();
        };
      },
    });
  };

  const remove: Handler = async (ctx) => {
    const found = findSession(ctx);
    if (found === undefined) return;
    const request = toWebRequest({ method: 'DELETE', url: ctx.url, headers: toWebHeaders(ctx.req.headers), signal: ctx.signal });
    const response = await found.live.transport.handleRequest(request, { authInfo: toAuthInfo(principalOf(ctx)) });
    registry.end(found.session.id, 'closed');
    await writeWebResponse(ctx.res, response);
  };

  return {
    post,
    get,
    delete: remove,
    async close() {
      registry.endAll('shutdown');
      live.clear();
    },
  };
}
