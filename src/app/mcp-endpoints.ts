import type { DependencyContainer } from 'tsyringe';
import type { Handler } from '../adapters/http/types.js';
import { createServerFactory } from '../adapters/mcp/server-factory.js';
import { createStreamableEndpoint } from '../adapters/mcp/streamable-endpoint.js';
import { createStatelessLegacy } from '../adapters/mcp/stateless-legacy.js';
import { createSessionHandlers } from '../adapters/mcp/streamable-sessions.js';
import { createSseEndpoint } from '../adapters/sse/sse-endpoint.js';
import type { Config } from './config.js';
import { TOKENS } from './tokens.js';

/**
 * The MCP side of the composition root: the servers' factory (the SDK and the compiled tool
 * catalog), Streamable HTTP and the legacy SSE endpoints. container.ts imports this module only
 * once the listener is up, so nothing here weighs on the time to the first answer.
 */
export interface McpHandlers {
  /** `POST /mcp` (and `/sse`, which 2025 clients post to). */
  readonly post: Handler;
  readonly get: Handler;
  readonly delete: Handler;
  /** `GET /sse`: opens a legacy stream. */
  readonly sseOpen: Handler;
  /** `POST /messages`: a legacy stream's client message. */
  readonly sseMessage: Handler;
  close(): Promise<void>;
}

/** The `retry:` hint (ms) a client gets when the server closes its stream (shutdown, reaping). */
const RETRY_MS = 2000;

export function createMcpHandlers(d: DependencyContainer, config: Config, serverInfo: { readonly name: string; readonly version: string }): McpHandlers {
  const logger = d.resolve(TOKENS.logger);
  const lifecycle = d.resolve(TOKENS.lifecycle);
  const sessions = d.resolve(TOKENS.sessions);
  const factory = createServerFactory({ packs: d.resolve(TOKENS.packs), ...serverInfo, logger });
  d.register(TOKENS.serverFactory, { useValue: factory });
  const sse = createSseEndpoint({
    factory,
    sessions,
    lifecycle,
    heartbeatMs: config.sseHeartbeatMs,
    maxBufferBytes: config.sseMaxBufferBytes,
    maxBodyBytes: config.maxBodyBytes,
    logger,
  });
  const sessionHandlers = config.mcpSessions
    ? createSessionHandlers({
        factory,
        registry: sessions,
        lifecycle,
        heartbeatMs: config.sseHeartbeatMs,
        maxBodyBytes: config.maxBodyBytes,
        events: { maxEvents: 1000, maxBytes: 4 * 1024 * 1024, maxAgeMs: 5 * 60 * 1000 },
        retryMs: RETRY_MS,
        logger,
      })
    : undefined;
  const legacy =
    sessionHandlers ??
    createStatelessLegacy({ factory, random: d.resolve(TOKENS.random), heartbeatMs: config.sseHeartbeatMs, maxBodyBytes: config.maxBodyBytes, logger });
  const streamable = createStreamableEndpoint({
    factory,
    bus: factory.bus,
    legacy,
    ...(sessionHandlers === undefined ? {} : { sessions: sessionHandlers }),
    openLegacyStream: sse.open,
    lifecycle,
    maxBodyBytes: config.maxBodyBytes,
    heartbeatMs: config.sseHeartbeatMs,
    publicUrl: config.publicUrl,
    logger,
  });
  return {
    post: streamable.post,
    get: streamable.get,
    delete: streamable.delete,
    sseOpen: sse.open,
    sseMessage: sse.message,
    async close() {
      await streamable.close();
      await sse.close();
    },
  };
}
