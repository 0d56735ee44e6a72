import { createRequire } from 'node:module';
import type * as Tsyringe from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { createClientIp } from '../adapters/http/client-ip.js';
import { healthRoutes } from '../adapters/http/health.js';
import { createLifecycle, type Lifecycle } from '../adapters/http/lifecycle.js';
import { routes } from '../adapters/http/router.js';
import { startHttpServer, type RunningServer } from '../adapters/http/server.js';
import type { Handler, Route } from '../adapters/http/types.js';
import { createJsonLogger } from '../adapters/logging/json-logger.js';
import { createSystemClock } from '../adapters/system/clock.js';
import { createCryptoRandom } from '../adapters/system/random.js';
import { createSessionRegistry } from '../domain/sessions/registry.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Random } from '../domain/ports/random.js';
import type { Config } from './config.js';
import { createDeferred, type Deferred } from './deferred.js';
import { deferredJourneys, listenFirst, warnOnUntrustedForwarding } from './listener.js';
import type { McpHandlers } from './mcp-endpoints.js';
import type { OAuthServer } from './oauth.js';
import { createOAuthCore, type OAuthCore } from './oauth-core.js';
import { TOKENS } from './tokens.js';

/**
 * tsyringe and its reflect-metadata polyfill are CommonJS. `require` loads them about four times
 * faster than `import`, whose CommonJS translation lexes every re-exported file for named exports
 * (~40 ms of CPU at start-up here: bench/README.md, cold start). The polyfill goes first. They
 * load with the container, once the listener is up (another ~14 ms before it otherwise).
 */
function requireTsyringe(): typeof Tsyringe {
  const requireCjs = createRequire(import.meta.url);
  requireCjs('reflect-metadata');
  return requireCjs('tsyringe') as typeof Tsyringe;
}

/** Keyway's name and version as MCP `serverInfo`. */
export const SERVER_INFO = Object.freeze({ name: 'keyway', version: '0.1.0' });

export interface KeywayApp {
  /** Made on first use: `start` needs it only once the listener is up. */
  readonly container: DependencyContainer;
  /** Binds the listener, then loads the authorization server and the MCP side; resolves once all are done. */
  start(): Promise<RunningServer>;
}

/** What the listener needs, built before it opens; the container holds the same values. */
interface Early {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  readonly lifecycle: Lifecycle;
  readonly core: OAuthCore;
  readonly oauth: Deferred<OAuthServer>;
  readonly endpoints: McpEndpoints;
}

/**
 * The composition root: the only place that names concrete adapters. Every dependency is a
 * factory registration in a child container, so tests can build as many apps as they like.
 * `createApp` checks the configuration and builds the gate (oauth-core.ts); the container, the
 * rest of the authorization server (the store first), connect journeys and the MCP side load once
 * the listener is up (`start`), which resolves when all of them have.
 */
export async function createApp(config: Config, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<KeywayApp> {
  const logger = createJsonLogger(config.logLevel, write);
  const clock = createSystemClock();
  // `di` and the loads read `early` only when called, once it is set below.
  let container: DependencyContainer | undefined;
  const di = (): DependencyContainer => (container ??= compose(config, early));
  const oauth = createDeferred(() => loadOAuthServer(di, config, early));
  // A request's token is verified by the token service; one that arrives before it is loaded waits for it.
  const core = await createOAuthCore(config, {
    logger,
    clock,
    clientIp: createClientIp(config.trustedProxies),
    verify: async (token) => (oauth.current() ?? (await oauth.load())).tokens.verifyAccessToken(token),
  });
  const endpoints = deferredMcpEndpoints(di, config, oauth);
  const early: Early = { logger, clock, random: createCryptoRandom(), lifecycle: createLifecycle(), core, oauth, endpoints };
  return {
    get container() {
      return di();
    },
    start: () => start(di, config, early),
  };
}

function compose(config: Config, early: Early): DependencyContainer {
  const { container: rootContainer, instanceCachingFactory } = requireTsyringe();
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.config, { useValue: config });
  c.register(TOKENS.logger, { useValue: early.logger });
  c.register(TOKENS.clock, { useValue: early.clock });
  c.register(TOKENS.random, { useValue: early.random });
  c.register(TOKENS.lifecycle, { useValue: early.lifecycle });
  c.register(TOKENS.sessions, {
    useFactory: instanceCachingFactory((d) =>
      createSessionRegistry(
        { idleSeconds: config.sessionIdleSeconds, maxSessions: config.maxSessions, maxPerOwner: config.maxSessionsPerUser },
        d.resolve(TOKENS.clock),
        d.resolve(TOKENS.random),
      ),
    ),
  });
  c.register(TOKENS.oauthCore, { useValue: early.core });
  c.register(TOKENS.mcpEndpoints, { useValue: early.endpoints });
  return c;
}

/**
 * The rest of the authorization server (oauth.ts), then the packs, which use its stores and keys.
 * The container (tsyringe) is made last: every step before it yields to the listener.
 */
async function loadOAuthServer(di: () => DependencyContainer, config: Config, early: Early): Promise<OAuthServer> {
  const { logger, clock, random, core } = early;
  const [{ createOAuthServer }, { allPacks }] = await Promise.all([import('./oauth.js'), import('./packs.js')]);
  const onGrantRevoked = (grantId: string): void => {
    di().resolve(TOKENS.sessions).endGrant(grantId);
  };
  const oauth = await createOAuthServer(config, { logger, clock, random, onGrantRevoked }, core);
  try {
    const packs = await allPacks(config, oauth, { logger, clock, onGrantRevoked });
    di().register(TOKENS.oauth, { useValue: oauth });
    di().register(TOKENS.packs, { useValue: packs });
  } catch (error) {
    await oauth.close();
    throw error;
  }
  return oauth;
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
 * start-up) on first use, after the authorization server (its packs). The gate runs before them, so
 * a request without a token is answered without either; `start` loads them as soon as the listener
 * is up, and a request that arrives earlier waits for them. @see bench/README.md "Where the time goes" (cold start)
 */
function deferredMcpEndpoints(di: () => DependencyContainer, config: Config, oauth: Deferred<OAuthServer>): McpEndpoints {
  const mcp = createDeferred(async () => {
    const [{ createMcpHandlers }] = await Promise.all([import('./mcp-endpoints.js'), oauth.load()]);
    return createMcpHandlers(di(), config, SERVER_INFO);
  });
  const handler =
    (name: Exclude<keyof McpHandlers, 'close'>): Handler =>
    (ctx) => {
      const loaded = mcp.current();
      return loaded === undefined ? mcp.load().then((handlers) => handlers[name](ctx)) : loaded[name](ctx);
    };
  return {
    routes: [
      ...routes('POST', ['/mcp', '/mcp/', '/sse', '/sse/'], handler('post'), true),
      ...routes('GET', ['/mcp', '/mcp/'], handler('get'), true),
      ...routes('DELETE', ['/mcp', '/mcp/', '/sse', '/sse/'], handler('delete'), true),
      ...routes('GET', ['/sse', '/sse/'], handler('sseOpen'), true),
      ...routes('POST', ['/messages'], handler('sseMessage'), true),
    ],
    ready: async () => {
      await mcp.load();
    },
    isLoaded: () => mcp.current() !== undefined,
    async close() {
      const handlers = await mcp.settled();
      await handlers?.close();
    },
  };
}

async function start(di: () => DependencyContainer, config: Config, early: Early): Promise<RunningServer> {
  const { logger, lifecycle, endpoints, core, oauth } = early;
  // Ready once the authorization server, journeys and the MCP side have loaded (below), not as soon as the listener is up.
  let loaded = false;
  const readiness = { ...lifecycle, isReady: () => loaded && lifecycle.isReady() };
  const health = healthRoutes(readiness);
  const journeys = deferredJourneys(config, { clock: early.clock, random: early.random, logger, clientIp: core.clientIp });
  // The rest loads once the listener is up: until then it would only delay the listener.
  let listening: () => void = () => undefined;
  const loading = new Promise<void>((resolve) => (listening = resolve)).then(async () => (await Promise.all([oauth.load(), journeys.load()]))[0]);
  const table = loading.then((server) => [...health, ...server.routes, ...endpoints.routes]);
  const listener = listenFirst([...health, ...endpoints.routes], table, config, { core, journeys: journeys.recorder, logger });
  const running = await startHttpServer(warnOnUntrustedForwarding(listener, core.clientIp, logger), {
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
  }).catch(async (error: unknown) => {
    // No listener (the port taken): close what a request's gate may have started loading (nothing else has).
    await journeys.close();
    await (await oauth.settled())?.close();
    throw error;
  });
  listening();
  const reaper = setInterval(() => di().resolve(TOKENS.sessions).reap(), Math.min(config.sessionIdleSeconds * 250, 60_000));
  reaper.unref();
  let stopMaintenance: (() => void) | undefined;
  const server: RunningServer = {
    ...running,
    async stop() {
      clearInterval(reaper);
      stopMaintenance?.();
      const clean = await running.stop();
      await endpoints.close();
      await journeys.close();
      await (await oauth.settled())?.close();
      return clean;
    },
  };
  try {
    stopMaintenance = (await loading).startMaintenance();
    await endpoints.ready();
    loaded = true;
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
