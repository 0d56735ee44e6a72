import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { RequestListener } from 'node:http';
import { createClientIp, type ClientIp } from '../adapters/http/client-ip.js';
import { createGuards } from '../adapters/http/guards.js';
import { healthRoutes } from '../adapters/http/health.js';
import { createLifecycle } from '../adapters/http/lifecycle.js';
import { createPipeline } from '../adapters/http/pipeline.js';
import { createRouter, routes } from '../adapters/http/router.js';
import { startHttpServer, type RunningServer } from '../adapters/http/server.js';
import type { Route } from '../adapters/http/types.js';
import { createJsonLogger } from '../adapters/logging/json-logger.js';
import { loadPacks } from '../adapters/mcp/pack-loader.js';
import { createServerFactory } from '../adapters/mcp/server-factory.js';
import { createStreamableEndpoint } from '../adapters/mcp/streamable-endpoint.js';
import { createStatelessLegacy } from '../adapters/mcp/stateless-legacy.js';
import { createSessionHandlers } from '../adapters/mcp/streamable-sessions.js';
import { createSseEndpoint } from '../adapters/sse/sse-endpoint.js';
import { createSystemClock } from '../adapters/system/clock.js';
import { createCryptoRandom } from '../adapters/system/random.js';
import { createSessionRegistry } from '../domain/sessions/registry.js';
import { diagnosticsPack } from '../domain/tools/diagnostics/pack.js';
import { createUpstreamTokens } from '../domain/upstream/upstream-tokens.js';
import { packsForProvider } from './identity-packs.js';
import { createOAuthServer, UPSTREAM_TIMEOUT_MS, type OAuthServer } from './oauth.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Pack } from '../domain/tools/pack.js';
import type { Config } from './config.js';
import { TOKENS } from './tokens.js';

/** Built-in packs `KEYWAY_PACKS` may name; anything else is loaded as a module path. */
export const BUILTIN_PACKS: Readonly<Record<string, Pack>> = Object.freeze({ diagnostics: diagnosticsPack });

/** Keyway's name and version as MCP `serverInfo`. */
export const SERVER_INFO = Object.freeze({ name: 'keyway', version: '0.1.0' });

/** The `retry:` hint (ms) a client gets when the server closes its stream (shutdown, reaping). */
const RETRY_MS = 2000;

export interface KeywayApp {
  readonly container: DependencyContainer;
  /** Binds the listener; resolves once it accepts connections. */
  start(): Promise<RunningServer>;
}

/**
 * The composition root: the only place that names concrete adapters. Every dependency is a
 * factory registration in a child container, so tests can build as many apps as they like.
 */
export async function createApp(config: Config, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<KeywayApp> {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.config, { useValue: config });
  c.register(TOKENS.logger, { useValue: createJsonLogger(config.logLevel, write) });
  c.register(TOKENS.clock, { useValue: createSystemClock() });
  c.register(TOKENS.random, { useValue: createCryptoRandom() });
  c.register(TOKENS.lifecycle, { useValue: createLifecycle() });
  c.register(TOKENS.sessions, {
    useFactory: instanceCachingFactory((d) =>
      createSessionRegistry(
        { idleSeconds: config.sessionIdleSeconds, maxSessions: config.maxSessions, maxPerOwner: config.maxSessionsPerUser },
        d.resolve(TOKENS.clock),
        d.resolve(TOKENS.random),
      ),
    ),
  });
  c.register(TOKENS.serverFactory, {
    useFactory: instanceCachingFactory((d) =>
      createServerFactory({ packs: d.resolve(TOKENS.packs), ...SERVER_INFO, logger: d.resolve(TOKENS.logger) }),
    ),
  });
  c.register(TOKENS.mcpEndpoints, { useFactory: instanceCachingFactory((d) => mcpEndpoints(d, config)) });
  const sessions = c.resolve(TOKENS.sessions);
  const oauth = await createOAuthServer(config, {
    logger: c.resolve(TOKENS.logger),
    clock: c.resolve(TOKENS.clock),
    random: c.resolve(TOKENS.random),
    onGrantRevoked: (grantId) => sessions.endGrant(grantId),
    clientIp: createClientIp(config.trustedProxies),
  });
  c.register(TOKENS.oauth, { useValue: oauth });
  c.register(TOKENS.packs, { useValue: await allPacks(config, oauth, c, (grantId) => sessions.endGrant(grantId)) });
  return { container: c, start: () => start(c, config) };
}

/**
 * The configured packs plus the identity provider's own tools (`get_user_profile`; GitHub's tools
 * only with GitHub sign-in: a tool the provider cannot serve is not listed).
 */
async function allPacks(config: Config, oauth: OAuthServer, d: DependencyContainer, onGrantRevoked: (grantId: string) => void): Promise<Pack[]> {
  const logger = d.resolve(TOKENS.logger);
  const clock = d.resolve(TOKENS.clock);
  const upstream = createUpstreamTokens({
    grants: oauth.stores.grants,
    sealer: oauth.sealer,
    clock,
    logger,
    onGrantRevoked,
    ...(oauth.refresher === undefined ? {} : { refresher: oauth.refresher }),
  });
  const configured = await loadPacks(config.packs, BUILTIN_PACKS);
  const identity = packsForProvider(config.identityProvider, {
    upstream,
    logger,
    githubTimeoutMs: UPSTREAM_TIMEOUT_MS,
    ...(config.github === undefined ? {} : { githubApiBaseUrl: config.github.apiBaseUrl }),
  });
  return [...configured, ...identity];
}

export interface McpEndpoints {
  readonly routes: readonly Route[];
  close(): Promise<void>;
}

function mcpEndpoints(d: DependencyContainer, config: Config): McpEndpoints {
  const logger = d.resolve(TOKENS.logger);
  const lifecycle = d.resolve(TOKENS.lifecycle);
  const sessions = d.resolve(TOKENS.sessions);
  const factory = d.resolve(TOKENS.serverFactory);
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
    routes: [
      ...routes('POST', ['/mcp', '/mcp/', '/sse', '/sse/'], streamable.post, true),
      ...routes('GET', ['/mcp', '/mcp/'], streamable.get, true),
      ...routes('DELETE', ['/mcp', '/mcp/'], streamable.delete, true),
      ...routes('GET', ['/sse', '/sse/'], sse.open, true),
      ...routes('POST', ['/messages'], sse.message, true),
    ],
    async close() {
      await streamable.close();
      await sse.close();
    },
  };
}

/**
 * Forwarded headers from a peer not in KEYWAY_TRUST_PROXY are ignored; say so once, because it
 * usually means a reverse proxy that is missing from the list (per-IP limits then see the proxy).
 */
function warnOnUntrustedForwarding(handler: RequestListener, clientIp: ClientIp, logger: Logger): RequestListener {
  let warned = false;
  return (req, res) => {
    if (!warned && clientIp.forwardedFromUntrusted(req)) {
      warned = true;
      logger.warn('http.untrusted_forwarded_headers', {
        peer: req.socket.remoteAddress,
        message: 'requests carry X-Forwarded-* headers from an address not listed in KEYWAY_TRUST_PROXY; they are ignored (add the proxy address if this is your reverse proxy)',
      });
    }
    handler(req, res);
  };
}

async function start(d: DependencyContainer, config: Config): Promise<RunningServer> {
  const logger = d.resolve(TOKENS.logger);
  const lifecycle = d.resolve(TOKENS.lifecycle);
  const sessions = d.resolve(TOKENS.sessions);
  const endpoints = d.resolve(TOKENS.mcpEndpoints);
  const oauth = d.resolve(TOKENS.oauth);
  const router = createRouter([...healthRoutes(lifecycle), ...oauth.routes, ...endpoints.routes]);
  const pipeline = createPipeline({
    router,
    guards: createGuards({ publicUrl: config.publicUrl, extraOrigins: config.allowedOrigins }),
    gate: oauth.gate,
    cors: oauth.cors,
    logger,
    publicUrl: config.publicUrl,
  });
  const running = await startHttpServer(warnOnUntrustedForwarding(pipeline, oauth.clientIp, logger), {
    host: config.host,
    port: config.port,
    timeouts: {
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    shutdownGraceMs: config.shutdownGraceMs,
    lifecycle,
    logger,
  });
  const reaper = setInterval(() => sessions.reap(), Math.min(config.sessionIdleSeconds * 250, 60_000));
  reaper.unref();
  const stopMaintenance = oauth.startMaintenance();
  return {
    ...running,
    async stop() {
      clearInterval(reaper);
      stopMaintenance();
      const clean = await running.stop();
      await endpoints.close();
      await oauth.close();
      return clean;
    },
  };
}
