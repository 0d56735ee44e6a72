import type { ClientIp } from '../adapters/http/client-ip.js';
import type { Cors } from '../adapters/http/cors.js';
import type { Gate, Route } from '../adapters/http/types.js';
import { authorizationServerRoutes } from '../adapters/http/authorization-server-metadata.js';
import { authorizeRoutes, type BrowserFlowDeps } from '../adapters/http/authorize.js';
import { callbackRoutes } from '../adapters/http/callback.js';
import { consentRoutes } from '../adapters/http/consent.js';
import { createSignedCookies } from '../adapters/http/cookies.js';
import { PRM_PATH, protectedResourceRoutes } from '../adapters/http/protected-resource-metadata.js';
import { createRateLimiter, sendRateLimited } from '../adapters/http/rate-limit.js';
import { registerRoute } from '../adapters/http/register.js';
import { revokeRoute } from '../adapters/http/revoke.js';
import { routes } from '../adapters/http/router.js';
import { tokenRoute } from '../adapters/http/token.js';
import { createAesGcmSealer } from '../adapters/crypto/sealer.js';
import { createRootSecret, loadRootSecret, parseSecret } from '../adapters/crypto/secret.js';
import type { OidcIdentityProvider } from '../adapters/identity/oidc/oidc-identity-provider.js';
import { createDocumentFetcher } from '../adapters/outbound/document-fetcher.js';
import { TOKEN_CACHE_MAX_ENTRIES, withTokenCache } from '../adapters/storage/cached-grant-store.js';
import type { Stores } from '../adapters/storage/stores.js';
import { createClientRegistry, type ManagedClientRegistry } from '../domain/clients/client-registry.js';
import { createAuthorizationFlow } from '../domain/grants/authorization-flow.js';
import type { OAuthPolicy } from '../domain/oauth-policy.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Sealer } from '../domain/ports/crypto.js';
import { isDomainError } from '../domain/errors.js';
import type { IdentityProvider } from '../domain/ports/identity.js';
import type { UpstreamRefresher } from '../domain/ports/upstream.js';
import type { Logger } from '../domain/ports/logger.js';
import type { Random } from '../domain/ports/random.js';
import { createTokenService, type TokenService } from '../domain/tokens/token-service.js';
import { ConfigError } from './config-error.js';
import type { Config } from './config.js';
import type { OAuthCore } from './oauth-core.js';
import type { OidcSettings } from './oidc-config.js';

/**
 * The authorization server, assembled on top of its core (oauth-core.ts: checks, gate, CORS):
 * storage, keys, clients, the browser leg with the configured identity provider, tokens, metadata
 * and rate limits. Part of the composition root: container.ts imports it once the listener is up.
 */
export interface OAuthServer {
  readonly policy: OAuthPolicy;
  readonly stores: Stores;
  /** Seals and opens secrets Keyway reads back (upstream tokens). */
  readonly sealer: Sealer;
  readonly registry: ManagedClientRegistry;
  /** Refreshes the identity provider's upstream tokens (absent for the local sign-in). */
  readonly refresher?: UpstreamRefresher;
  readonly tokens: TokenService;
  /** The core's (oauth-core.ts), here too: this is the whole authorization server. */
  readonly gate: Gate;
  readonly cors: Cors;
  readonly clientIp: ClientIp;
  readonly routes: readonly Route[];
  /** Starts the periodic clean-up (expired flows, tokens, retry pairs, unused clients); returns its stopper. */
  startMaintenance(): () => void;
  close(): Promise<void>;
}

export interface OAuthDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  /** Closes the MCP sessions of a revoked grant. */
  readonly onGrantRevoked: (grantId: string) => void;
}

/** Paths browser clients call cross-origin (MCP Inspector): they answer preflights. */
const CORS_PATHS = [
  `${PRM_PATH}/mcp`,
  `${PRM_PATH}/sse`,
  PRM_PATH,
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
  '/register',
  '/token',
  '/revoke',
  '/mcp',
  '/mcp/',
  '/sse',
  '/sse/',
  '/messages',
];

/** Only the configured kind of store is loaded (`import()`): the other would only lengthen start-up. */
async function openStores(config: Config, logger: Logger): Promise<Stores> {
  const stores =
    config.store.kind === 'memory'
      ? (await import('../adapters/storage/memory/memory-stores.js')).createMemoryStores()
      : (await import('../adapters/storage/sqlite/sqlite-stores.js')).openSqliteStores(config.store.path, { logger });
  return withTokenCache(stores, { ttlSeconds: config.tokenCacheSeconds, maxEntries: TOKEN_CACHE_MAX_ENTRIES });
}

/** The identity provider the configuration names, the routes it serves, and how it refreshes upstream tokens. */
interface ConfiguredProvider {
  readonly provider: IdentityProvider;
  readonly routes: readonly Route[];
  readonly refresher?: UpstreamRefresher;
}

/**
 * Only the configured provider's adapter is loaded (`import()`): the others and their libraries
 * (oauth4webapi) would only lengthen start-up (bench/README.md, cold start).
 */
async function createIdentityProvider(config: Config, deps: OAuthDeps): Promise<ConfiguredProvider> {
  const { clock, random, logger } = deps;
  const github = config.github;
  if (config.identityProvider === 'github' && github !== undefined) {
    const { createGithubIdentityProvider, refreshGithubToken } = await import('../adapters/identity/github/github-identity-provider.js');
    logger.info('identity.github', { web: github.webBaseUrl, callbackUrl: github.callbackUrl });
    const options = { ...github, timeoutMs: UPSTREAM_TIMEOUT_MS, clock, logger };
    return { provider: createGithubIdentityProvider(options), routes: [], refresher: { refresh: (tokens) => refreshGithubToken(options, tokens) } };
  }
  if (config.identityProvider === 'oidc' && config.oidc !== undefined) {
    const provider = await startOidc(config.oidc, deps);
    return { provider, routes: [], refresher: provider };
  }
  // The local sign-in was checked (and its warning logged) with the core, before the listener opened.
  const { createLocalIdentityProvider } = await import('../adapters/identity/local/local-identity-provider.js');
  const local = createLocalIdentityProvider({ publicUrl: config.publicUrl, clock, random, logger });
  return { provider: local, routes: local.routes };
}

/** Discovery runs at start-up: a provider that cannot be discovered stops Keyway with one line. */
async function startOidc(settings: OidcSettings, deps: OAuthDeps): Promise<OidcIdentityProvider> {
  const { createOidcIdentityProvider } = await import('../adapters/identity/oidc/oidc-identity-provider.js');
  try {
    const provider = await createOidcIdentityProvider({ ...settings, timeoutMs: UPSTREAM_TIMEOUT_MS, clock: deps.clock, logger: deps.logger });
    deps.logger.info('identity.oidc', { issuer: provider.issuer });
    return provider;
  } catch (error) {
    if (isDomainError(error)) throw new ConfigError(`OIDC_ISSUER: ${error.message}`);
    throw error;
  }
}

/** Upstream identity-provider calls end before hosted clients give up (Claude waits 10 s at /token). */
export const UPSTREAM_TIMEOUT_MS = 7000;

export async function createOAuthServer(config: Config, deps: OAuthDeps, core: OAuthCore): Promise<OAuthServer> {
  const { logger, clock, random } = deps;
  const { policy, hasher, clientIp, cors } = core;
  const configured = await createIdentityProvider(config, deps);
  const identity = configured.provider;
  const persistent = config.store.kind !== 'memory';
  const secret = await loadRootSecret({ ...(config.secret === undefined ? {} : { configured: config.secret }), dataDir: config.dataDir, persistent, logger });
  const previous = config.previousSecrets.map((value) => createRootSecret(parseSecret(value) as Buffer));
  const sealer = createAesGcmSealer({
    current: { kid: secret.kid, key: secret.derive('seal') },
    previous: previous.map((old) => ({ kid: old.kid, key: old.derive('seal') })),
  });
  const stores = await openStores(config, logger);
  const registry = createClientRegistry({
    store: stores.clients,
    ...(config.clientMetadataDocuments ? { fetcher: createDocumentFetcher({ clock, logger }) } : {}),
    clock,
    random,
    hasher,
    logger,
    policy: {
      dynamicRegistration: config.dynamicRegistration,
      metadataDocuments: config.clientMetadataDocuments,
      redirectUriAllowlist: config.redirectUriAllowlist,
      unusedSeconds: config.clientUnusedDays * 86_400,
      preregistered: core.preregistered,
    },
  });
  const tokens = createTokenService({ grants: stores.grants, clients: registry, hasher, sealer, random, clock, policy, logger, onGrantRevoked: deps.onGrantRevoked });
  const flow = createAuthorizationFlow({
    clients: registry,
    flows: stores.flows,
    grants: stores.grants,
    consents: stores.consents,
    identity,
    clock,
    random,
    hasher,
    sealer,
    policy,
    callbackUrl: `${policy.issuer}/callback`,
    logger,
  });
  const browser: BrowserFlowDeps = { flow, policy, cookies: createSignedCookies(secret.derive('cookie'), clock), random, publicUrl: config.publicUrl };
  const now = (): number => clock.now();
  const registerLimiter = createRateLimiter({ perMinute: config.rateRegisterPerMinute, clock: now });
  const tokenLimiter = createRateLimiter({ perMinute: config.rateTokenPerMinute, clock: now });
  const limitBy = (limiter: typeof tokenLimiter, key: string, res: Parameters<typeof sendRateLimited>[0]): boolean => {
    const verdict = limiter.take(key);
    if (!verdict.allowed) sendRateLimited(res, verdict.retryAfterSeconds);
    return verdict.allowed;
  };
  const clientLimit = (ctx: { res: Parameters<typeof sendRateLimited>[0]; req: Parameters<typeof clientIp>[0] }, clientId: string | undefined): boolean =>
    limitBy(tokenLimiter, clientId === undefined ? `ip:${clientIp(ctx.req)}` : `client:${clientId}`, ctx.res);
  const oauthRoutes: Route[] = [
    ...protectedResourceRoutes(policy),
    ...authorizationServerRoutes(policy, { dynamicRegistration: config.dynamicRegistration, clientMetadataDocuments: config.clientMetadataDocuments }),
    ...(config.dynamicRegistration ? [registerRoute({ registry, logger, limit: (ctx) => limitBy(registerLimiter, `ip:${clientIp(ctx.req)}`, ctx.res) })] : []),
    ...authorizeRoutes(browser),
    ...consentRoutes(browser),
    ...callbackRoutes(browser),
    ...configured.routes,
    tokenRoute({ tokens, clients: registry, limit: clientLimit }),
    revokeRoute({ tokens, clients: registry, limit: clientLimit }),
    ...routes('OPTIONS', CORS_PATHS, cors.preflight),
  ];
  return {
    policy,
    stores,
    sealer,
    registry,
    ...(configured.refresher === undefined ? {} : { refresher: configured.refresher }),
    tokens,
    gate: core.gate,
    cors,
    clientIp,
    routes: oauthRoutes,
    startMaintenance: () => startMaintenance(stores, registry, policy, clock, logger),
    close: () => stores.close(),
  };
}

const MINUTE_MS = 60_000;

function startMaintenance(stores: Stores, registry: ManagedClientRegistry, policy: OAuthPolicy, clock: Clock, logger: Logger): () => void {
  const run = (name: string, work: () => Promise<number>): void => {
    work().then(
      (count) => {
        if (count > 0) logger.debug('maintenance.purged', { task: name, count });
      },
      (error: unknown) => logger.warn('maintenance.failed', { task: name, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  const minutely = setInterval(() => {
    const now = clock.now();
    run('flows', () => stores.flows.purgeExpired(now));
    run('retry_pairs', () => stores.grants.forgetRetryPairsBefore(now - policy.refreshGraceSeconds));
    run('grants', () => stores.grants.purgeExpired(now));
  }, MINUTE_MS);
  const hourly = setInterval(() => run('clients', () => registry.collectUnused()), 60 * MINUTE_MS);
  minutely.unref();
  hourly.unref();
  return () => {
    clearInterval(minutely);
    clearInterval(hourly);
  };
}
