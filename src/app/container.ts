import { createRequire } from 'node:module';
import type * as Tsyringe from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import type { RequestListener } from 'node:http';
import { createClientIp, type ClientIp } from '../adapters/http/client-ip.js';
import { createGuards } from '../adapters/http/guards.js';
import { healthRoutes } from '../adapters/http/health.js';
import { createLifecycle } from '../adapters/http/lifecycle.js';
import { createPipeline } from '../adapters/http/pipeline.js';
import { createRouter, routes } from '../adapters/http/router.js';
import { startHttpServer, type RunningServer } from '../adapters/http/server.js';
import type { Handler, Route } from '../adapters/http/types.js';
import { createJsonLogger } from '../adapters/logging/json-logger.js';
import { loadPacks } from '../adapters/mcp/pack-loader.js';
import { createSystemClock } from '../adapters/system/clock.js';
import { createCryptoRandom } from '../adapters/system/random.js';
import { createSessionRegistry } from '../domain/sessions/registry.js';
import { diagnosticsPack } from '../domain/tools/diagnostics/pack.js';
import { createUpstreamTokens } from '../domain/upstream/upstream-tokens.js';
import { packsForProvider } from './identity-packs.js';
import { startJourneys } from './journeys.js';
import { createOAuthServer, UPSTREAM_TIMEOUT_MS, type OAuthServer } from './oauth.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Pack } from '../domain/tools/pack.js';
import type { Config } from './config.js';
import type { McpHandlers } from './mcp-endpoints.js';
import { TOKENS } from './tokens.js';

/**
 * tsyringe and its reflect-metadata polyfill are CommonJS. `require` loads them about four times
 * faster than `import`, whose CommonJS translation lexes every re-exported file for named exports
 * (~40 ms of CPU at start-up here: bench/README.md, cold start). The polyfill goes first.
 */
const requireCjs = createRequire(import.meta.url);
requireCjs('reflect-metadata');
const { container: rootContainer, instanceCachingFactory } = requireCjs('tsyringe') as typeof Tsyringe;

/** Built-in packs `KEYWAY_PACKS` may name; anything else is loaded as a module path. */
export const BUILTIN_PACKS: Readonly<Record<string, Pack>> = Object.freeze({ diagnostics: diagnosticsPack });

/** Keyway's name and version as MCP `serverInfo`. */
export const SERVER_INFO = Object.freeze({ name: 'keyway', version: '0.1.0' });

export interface KeywayApp {
  readonly container: DependencyContainer;
  /** Binds the listener, then loads the MCP side; resolves once both are done. */
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
  c.register(TOKENS.mcpEndpoints, { useFactory: instanceCachingFactory((d) => deferredMcpEndpoints(d, config)) });
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
  /** Loads the MCP side unless it is loaded already; the server factory is registered once it settles. */
  ready(): Promise<void>;
  isLoaded(): boolean;
  close(): Promise<void>;
}

/**
 * The MCP routes, whose handlers load the MCP side (the SDK, the compiled tool catalog: most of
 * start-up) on first use. The gate runs before them, so a request without a token is answered
 * without it; `start` loads it as soon as the listener is up, and a request that arrives earlier
 * waits for it. @see bench/README.md "Where the time goes" (cold start)
 */
function deferredMcpEndpoints(d: DependencyContainer, config: Config): McpEndpoints {
  let loading: Promise<McpHandlers> | undefined;
  let loaded: McpHandlers | undefined;
  const load = (): Promise<McpHandlers> =>
    (loading ??= import('./mcp-endpoints.js').then(({ createMcpHandlers }) => (loaded = createMcpHandlers(d, config, SERVER_INFO))));
  const handler =
    (name: Exclude<keyof McpHandlers, 'close'>): Handler =>
    (ctx) =>
      loaded === undefined ? load().then((handlers) => handlers[name](ctx)) : loaded[name](ctx);
  return {
    routes: [
      ...routes('POST', ['/mcp', '/mcp/', '/sse', '/sse/'], handler('post'), true),
      ...routes('GET', ['/mcp', '/mcp/'], handler('get'), true),
      ...routes('DELETE', ['/mcp', '/mcp/'], handler('delete'), true),
      ...routes('GET', ['/sse', '/sse/'], handler('sseOpen'), true),
      ...routes('POST', ['/messages'], handler('sseMessage'), true),
    ],
    ready: async () => {
      await load();
    },
    isLoaded: () => loaded !== undefined,
    async close() {
      const handlers = await loading?.catch(() => undefined);
      await handlers?.close();
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
  // Ready once the MCP side has loaded (awaited below), not as soon as the listener is up.
  const readiness = { ...lifecycle, isReady: () => endpoints.isLoaded() && lifecycle.isReady() };
  const router = createRouter([...healthRoutes(readiness), ...oauth.routes, ...endpoints.routes]);
  const journeys = startJourneys(config, { clock: d.resolve(TOKENS.clock), random: d.resolve(TOKENS.random), logger, clientIp: oauth.clientIp });
  const pipeline = createPipeline({
    router,
    guards: createGuards({ publicUrl: config.publicUrl, extraOrigins: config.allowedOrigins }),
    gate: oauth.gate,
    cors: oauth.cors,
    journeys: journeys.recorder,
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
  const server: RunningServer = {
    ...running,
    async stop() {
      clearInterval(reaper);
      stopMaintenance();
      const clean = await running.stop();
      await endpoints.close();
      await journeys.close();
      await oauth.close();
      return clean;
    },
  };
  try {
    await endpoints.ready();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
