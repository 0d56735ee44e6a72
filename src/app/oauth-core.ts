import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { createBearerGate, type TokenVerifier } from '../adapters/http/bearer-gate.js';
import type { ClientIp } from '../adapters/http/client-ip.js';
import { createCors, type Cors } from '../adapters/http/cors.js';
import { isLoopbackHostname } from '../adapters/http/guards.js';
import { createRateLimiter } from '../adapters/http/rate-limit.js';
import { JSONRPC, sendJsonRpcError } from '../adapters/http/respond.js';
import type { Gate } from '../adapters/http/types.js';
import { createSha256Hasher } from '../adapters/crypto/hasher.js';
import type { Client } from '../domain/clients/client.js';
import { createOAuthPolicy, type OAuthPolicy } from '../domain/oauth-policy.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Hasher } from '../domain/ports/crypto.js';
import type { Logger } from '../domain/ports/logger.js';
import { ConfigError } from './config-error.js';
import type { Config } from './config.js';

/**
 * The part of the authorization server the listener needs before it opens: the start-up checks
 * of the configuration, the bearer gate and CORS. The rest (the store, identity provider, keys,
 * clients, tokens, the OAuth handlers: oauth.ts) loads right after the listener is up, so a fresh
 * process answers its first 401 without it; the gate's verifier waits for the token service.
 * @see bench/README.md "Where the time goes" (cold start)
 */
export interface OAuthCore {
  readonly policy: OAuthPolicy;
  readonly hasher: Hasher;
  /** `KEYWAY_CLIENTS`, parsed and checked. */
  readonly preregistered: readonly Client[];
  readonly gate: Gate;
  readonly cors: Cors;
  readonly clientIp: ClientIp;
}

export interface OAuthCoreDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  /** The client address of a request (trusted proxies' `X-Forwarded-For` believed). */
  readonly clientIp: ClientIp;
  /** Resolves an access token to its principal (the token service, once it is loaded). */
  readonly verify: TokenVerifier;
}

/** Checks what cannot work and builds the gate. Throws {@link ConfigError} with one line. */
export async function createOAuthCore(config: Config, deps: OAuthCoreDeps): Promise<OAuthCore> {
  const { logger, clock, clientIp } = deps;
  if (config.identityProvider === 'local') checkLocalSignIn(config, logger);
  const policy = createOAuthPolicy(config.publicUrl.origin, {
    scopes: config.scopes,
    codeTtlSeconds: config.codeTtlSeconds,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenIdleSeconds: config.refreshTokenIdleSeconds,
    grantMaxSeconds: config.grantMaxSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
  });
  checkSecretKeptWithStore(config);
  const hasher = createSha256Hasher();
  const preregistered = await preregisteredClients(config, hasher, clock);
  checkRegistrationPaths(config, preregistered.length);
  const bearer = createBearerGate({ policy, verify: deps.verify, requiredScope: policy.scopes[0] ?? 'mcp' });
  const now = (): number => clock.now();
  return {
    policy,
    hasher,
    preregistered,
    gate: limitPerUser(bearer, createRateLimiter({ perMinute: config.rateMcpPerMinute, clock: now })),
    cors: createCors({ allowedOrigins: config.allowedOrigins, publicOrigin: config.publicUrl.origin }),
    clientIp,
  };
}

/** `KEYWAY_CLIENTS` is parsed (and its parser loaded) only when it is set. */
async function preregisteredClients(config: Config, hasher: Hasher, clock: Clock): Promise<readonly Client[]> {
  if (config.preregisteredClients === undefined) return [];
  const { loadPreregisteredClients } = await import('./preregistered-clients.js');
  return loadPreregisteredClients(config.preregisteredClients, { hasher, redirectUriAllowlist: config.redirectUriAllowlist, now: clock.now() });
}

/** The local development sign-in is for loopback, or for a deployment that says so out loud. */
function checkLocalSignIn(config: Config, logger: Logger): void {
  const loopback = isLoopbackHostname(config.publicUrl.hostname);
  if (!loopback && !config.localLoginAllowed) {
    throw new ConfigError(
      'KEYWAY_IDP: the local development sign-in lets anyone sign in as anyone; it is refused on a public URL (set KEYWAY_LOCAL_LOGIN=on only for a throw-away test deployment)',
    );
  }
  logger.warn('identity.local_development_sign_in', {
    message: 'DEVELOPMENT SIGN-IN IS ON: anyone who can reach this server can sign in under any name. Configure a real identity provider before exposing it.',
  });
}

/** With no way to register and no pre-registered client, no client could ever connect. */
function checkRegistrationPaths(config: Config, preregistered: number): void {
  if (config.dynamicRegistration || config.clientMetadataDocuments || preregistered > 0) return;
  throw new ConfigError(
    'KEYWAY_DCR: dynamic registration and client metadata documents are both off and KEYWAY_CLIENTS is empty, so no client can connect (turn KEYWAY_DCR or KEYWAY_CIMD on, or pre-register a client)',
  );
}

/**
 * Without `KEYWAY_SECRET` the secret is generated into the data dir. A database kept elsewhere can
 * outlive it (a volume mounted for the database alone): after a restart with a new secret, nothing
 * the database holds sealed can be opened again.
 */
function checkSecretKeptWithStore(config: Config): void {
  if (config.secret !== undefined || config.store.kind !== 'sqlite') return;
  const fromDataDir = relative(resolve(config.dataDir), resolve(dirname(config.store.path)));
  if (fromDataDir !== '..' && !fromDataDir.startsWith(`..${sep}`) && !isAbsolute(fromDataDir)) return;
  throw new ConfigError(
    `KEYWAY_STORE: the database ${config.store.path} is outside KEYWAY_DATA_DIR (${config.dataDir}), where the secret is generated, so a restart can pair it with a new secret that cannot open what it sealed (set KEYWAY_SECRET, or keep the database in KEYWAY_DATA_DIR)`,
  );
}

/**
 * MCP requests are limited per user, never per IP: every Claude or ChatGPT user arrives from the
 * same small egress pool (CLIENTS.md 1.4, SECURITY.md K6).
 */
function limitPerUser(gate: Gate, limiter: ReturnType<typeof createRateLimiter>): Gate {
  return async (ctx) => {
    const principal = await gate(ctx);
    if (principal === undefined) return undefined;
    const verdict = limiter.take(`user:${principal.subject}`);
    if (verdict.allowed) return principal;
    ctx.logger.warn('mcp.rate_limited', { subject: principal.subject, clientId: principal.clientId });
    ctx.req.resume();
    sendJsonRpcError(ctx.res, 429, JSONRPC.serverError, 'Too many requests: slow down', { 'Retry-After': String(verdict.retryAfterSeconds) });
    return undefined;
  };
}
