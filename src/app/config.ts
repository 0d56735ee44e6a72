import { z } from 'zod';
import { parseSecret } from '../adapters/crypto/secret.js';
import { ConfigError } from './config-error.js';
import { loadGithubSettings, type GithubSettings } from './github-config.js';
import { loadOidcSettings, type OidcSettings } from './oidc-config.js';

/**
 * Keyway's configuration: environment variables, parsed once into a frozen object. A bad value stops
 * start-up with one line naming the variable and how to fix it. README's configuration table lists
 * the same variables; keep the two in step.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item !== ''));

const onOff = z.enum(['on', 'off']).transform((value) => value === 'on');

const publicUrl = z
  .string()
  .url()
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === 'https:' || url.protocol === 'http:', 'must be an http(s) URL')
  .refine((url) => url.search === '' && url.hash === '', 'must not carry a query or fragment')
  // Every route (/mcp, /sse, OAuth) is served at the root, so a path would be published and never served.
  .superRefine((url, ctx) => {
    if (url.pathname !== '/') ctx.addIssue({ code: 'custom', message: `must be an origin without a path; Keyway serves every route at the root, none under ${url.pathname}: use ${url.origin}` });
  })
  .refine((url) => url.protocol === 'https:' || LOOPBACK.has(url.hostname), 'must use https unless it is a loopback address');

const origin = z
  .string()
  .url()
  .refine((value) => new URL(value).origin === value.replace(/\/$/, ''), 'must be an origin like https://app.example.com');

/** ≥ 32 random bytes as base64url or hex (e.g. `openssl rand -hex 32`). */
const secretValue = z.string().refine((value) => parseSecret(value) !== undefined, 'must be at least 32 random bytes, base64url or hex');

const schema = z.object({
  KEYWAY_HOST: z.string().min(1).default('127.0.0.1'),
  KEYWAY_PORT: integer(0, 65535).default(8080),
  KEYWAY_PUBLIC_URL: publicUrl.optional(),
  KEYWAY_ALLOWED_ORIGINS: list.pipe(z.array(origin)).default([]),
  KEYWAY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  KEYWAY_PACKS: list.pipe(z.array(z.string().min(1))).default(['diagnostics']),
  KEYWAY_MCP_SESSIONS: onOff.default(false),
  KEYWAY_SESSION_IDLE_SECONDS: integer(10, 7 * 24 * 3600).default(1800),
  KEYWAY_MAX_SESSIONS: integer(1, 1_000_000).default(10_000),
  KEYWAY_MAX_SESSIONS_PER_USER: integer(1, 100_000).default(100),
  KEYWAY_SSE_HEARTBEAT_SECONDS: integer(1, 300).default(15),
  KEYWAY_SSE_MAX_BUFFER_BYTES: integer(16 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
  KEYWAY_MAX_BODY_BYTES: integer(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  KEYWAY_KEEP_ALIVE_TIMEOUT_MS: integer(1000, 600_000).default(65_000),
  KEYWAY_HEADERS_TIMEOUT_MS: integer(1000, 600_000).default(66_000),
  KEYWAY_REQUEST_TIMEOUT_MS: integer(1000, 600_000).default(90_000),
  KEYWAY_SHUTDOWN_GRACE_MS: integer(0, 600_000).default(10_000),
  KEYWAY_DATA_DIR: z.string().min(1).default('./data'),
  KEYWAY_STORE: z
    .string()
    .regex(/^(memory|sqlite:.+)$/, 'must be "memory" or "sqlite:<path>"')
    .optional(),
  KEYWAY_SECRET: secretValue.optional(),
  KEYWAY_SECRET_PREVIOUS: list.pipe(z.array(secretValue)).default([]),
  KEYWAY_IDP: z.enum(['local', 'github', 'oidc']).default('local'),
  KEYWAY_LOCAL_LOGIN: onOff.default(false),
  KEYWAY_DCR: onOff.default(true),
  KEYWAY_CIMD: onOff.default(true),
  KEYWAY_SCOPES: list.pipe(z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'scope tokens are printable ASCII without spaces, quotes or backslashes')).min(1)).default(['mcp']),
  KEYWAY_CLIENTS: z.string().optional(),
  KEYWAY_REDIRECT_URI_ALLOWLIST: list.default(['cursor://anysphere.cursor-mcp/oauth/callback']),
  KEYWAY_ACCESS_TOKEN_TTL_SECONDS: integer(60, 24 * 3600).default(3600),
  KEYWAY_REFRESH_TOKEN_IDLE_SECONDS: integer(3600, 365 * 24 * 3600).default(30 * 24 * 3600),
  KEYWAY_GRANT_MAX_SECONDS: integer(3600, 5 * 365 * 24 * 3600).default(180 * 24 * 3600),
  KEYWAY_CODE_TTL_SECONDS: integer(10, 600).default(300),
  KEYWAY_REFRESH_GRACE_SECONDS: integer(0, 300).default(60),
  KEYWAY_CLIENT_UNUSED_DAYS: integer(1, 3650).default(30),
  KEYWAY_TOKEN_CACHE_SECONDS: integer(0, 60).default(10),
  KEYWAY_TRUST_PROXY: list.default([]),
  KEYWAY_RATE_REGISTER_PER_MINUTE: integer(1, 100_000).default(120),
  KEYWAY_RATE_TOKEN_PER_MINUTE: integer(1, 100_000).default(240),
  KEYWAY_RATE_MCP_PER_MINUTE: integer(1, 1_000_000).default(1200),
  KEYWAY_JOURNEY_TIMEOUT_SECONDS: integer(10, 7 * 24 * 3600).default(600),
});

export interface Config {
  readonly host: string;
  readonly port: number;
  /** The URL clients reach Keyway at. Every URL Keyway publishes derives from it, never from headers. */
  readonly publicUrl: URL;
  readonly allowedOrigins: readonly string[];
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly packs: readonly string[];
  readonly mcpSessions: boolean;
  readonly sessionIdleSeconds: number;
  readonly maxSessions: number;
  readonly maxSessionsPerUser: number;
  readonly sseHeartbeatMs: number;
  readonly sseMaxBufferBytes: number;
  readonly maxBodyBytes: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly shutdownGraceMs: number;
  /** Folder for the SQLite database and the generated secret (embedded default). */
  readonly dataDir: string;
  /** `memory` (tests; nothing survives a restart) or `sqlite:<path>`. */
  readonly store: { readonly kind: 'memory' } | { readonly kind: 'sqlite'; readonly path: string };
  /** `KEYWAY_SECRET` when set; otherwise a key generated into `dataDir` (or an ephemeral one with `memory`). */
  readonly secret?: string;
  /** Earlier secrets, still accepted to open what they sealed (key rotation). */
  readonly previousSecrets: readonly string[];
  /** Who signs users in: the local development page, GitHub, or an OpenID Connect provider. */
  readonly identityProvider: 'local' | 'github' | 'oidc';
  /** Sign-in with GitHub; present exactly when `identityProvider` is `github`. */
  readonly github?: GithubSettings;
  /** Sign-in with an OpenID Connect provider; present exactly when `identityProvider` is `oidc`. */
  readonly oidc?: OidcSettings;
  /** The local development sign-in is allowed on a non-loopback public URL only when this is set. */
  readonly localLoginAllowed: boolean;
  readonly dynamicRegistration: boolean;
  readonly clientMetadataDocuments: boolean;
  /** Scopes this server offers; the first is the minimal one named in 401 challenges. */
  readonly scopes: readonly string[];
  /** Pre-registered clients, as JSON text (an array of RFC 7591 metadata plus client_id/client_secret). */
  readonly preregisteredClients?: string;
  /** Exact private-use-scheme redirect URIs that registrations may use (SECURITY.md Decision 2). */
  readonly redirectUriAllowlist: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenIdleSeconds: number;
  readonly grantMaxSeconds: number;
  readonly codeTtlSeconds: number;
  readonly refreshGraceSeconds: number;
  readonly clientUnusedDays: number;
  /**
   * How long a live access-token look-up is reused in this process (0: never). Revocation through
   * this process is immediate; one made by another process sharing the database lands within this.
   */
  readonly tokenCacheSeconds: number;
  /** Addresses or CIDRs of reverse proxies whose `X-Forwarded-For` is believed. */
  readonly trustedProxies: readonly string[];
  readonly rateRegisterPerMinute: number;
  readonly rateTokenPerMinute: number;
  /** MCP requests per signed-in user per minute (users, not IPs: hosted clients share egress). */
  readonly rateMcpPerMinute: number;
  /** A connect journey with no new request for this long ends where it stopped (docs/journeys.md). */
  readonly journeyTimeoutSeconds: number;
}

export { ConfigError } from './config-error.js';

const FIXES: Readonly<Record<string, string>> = {
  KEYWAY_PUBLIC_URL: 'set it to the https origin clients use, e.g. https://mcp.example.com',
  KEYWAY_SECRET: 'generate one with: openssl rand -hex 32',
  KEYWAY_SECRET_PREVIOUS: 'list earlier KEYWAY_SECRET values separated by commas',
  KEYWAY_PORT: 'use a port number from 0 to 65535',
  KEYWAY_ALLOWED_ORIGINS: 'list origins separated by commas, e.g. http://localhost:6274',
  KEYWAY_HEADERS_TIMEOUT_MS: 'make it larger than KEYWAY_KEEP_ALIVE_TIMEOUT_MS',
  KEYWAY_REQUEST_TIMEOUT_MS: 'make it at least KEYWAY_HEADERS_TIMEOUT_MS',
};

function describe(issue: z.core.$ZodIssue): string {
  const variable = String(issue.path[0] ?? 'configuration');
  const fix = FIXES[variable] ?? 'see the configuration table in README.md';
  return `${variable}: ${issue.message} (${fix})`;
}

function parseStore(value: string | undefined, dataDir: string): Config['store'] {
  if (value === 'memory') return { kind: 'memory' };
  if (value !== undefined) return { kind: 'sqlite', path: value.slice('sqlite:'.length) };
  return { kind: 'sqlite', path: `${dataDir.replace(/\/$/, '')}/keyway.db` };
}

function defaultPublicUrl(host: string, port: number): URL {
  const hostname = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return new URL(`http://${hostname}:${port}`);
}

/**
 * GitHub accepts a `redirect_uri` on the registered callback URL's host (or a sub-domain) and port
 * (any port on loopback) whose path is the callback's path or below it.
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#redirect-urls
 */
function githubAccepts(registered: URL, callback: URL): boolean {
  const host = callback.hostname === registered.hostname || callback.hostname.endsWith(`.${registered.hostname}`);
  const port = callback.port === registered.port || (LOOPBACK.has(registered.hostname) && registered.port === '');
  const below = registered.pathname.endsWith('/') ? registered.pathname : `${registered.pathname}/`;
  const path = callback.pathname === registered.pathname || callback.pathname.startsWith(below);
  return registered.protocol === callback.protocol && host && port && path;
}

/** How each provider matches a redirect URI; OpenID Connect's compare exact strings (OpenID Connect Core 1.0 §3.1.2.1). */
const PROVIDER_CALLBACK = {
  github: { variable: 'GITHUB_CALLBACK_URL', accepts: githubAccepts },
  oidc: { variable: 'OIDC_REDIRECT_URI', accepts: (registered: URL, callback: URL) => registered.href === callback.href },
} as const;

/**
 * The callback URL registered at the identity provider, when given, must take Keyway's callback
 * (`<public URL>/callback`): otherwise the provider refuses every sign-in, long after start-up.
 */
function checkProviderCallback(env: Readonly<Record<string, string | undefined>>, idp: Config['identityProvider'], publicUrl: URL): void {
  if (idp === 'local') return;
  const { variable, accepts } = PROVIDER_CALLBACK[idp];
  const registered = env[variable]?.trim();
  if (registered === undefined || registered === '') return;
  const callback = new URL('/callback', publicUrl);
  const fix = `register ${callback.href} at the provider and set ${variable} to it, or correct KEYWAY_PUBLIC_URL`;
  if (!URL.canParse(registered)) throw new ConfigError(`${variable}: must be a URL (${fix})`);
  if (!accepts(new URL(registered), callback)) {
    throw new ConfigError(`${variable}: the provider would refuse Keyway's callback ${callback.href} because ${registered} is registered (${fix})`);
  }
}

/** Parses the environment. Throws {@link ConfigError} with one line naming the variable and the fix. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(first === undefined ? 'invalid configuration' : describe(first));
  }
  const values = parsed.data;
  if (values.KEYWAY_HEADERS_TIMEOUT_MS <= values.KEYWAY_KEEP_ALIVE_TIMEOUT_MS) {
    throw new ConfigError(`KEYWAY_HEADERS_TIMEOUT_MS: must exceed the keep-alive timeout (${FIXES.KEYWAY_HEADERS_TIMEOUT_MS})`);
  }
  if (values.KEYWAY_REQUEST_TIMEOUT_MS < values.KEYWAY_HEADERS_TIMEOUT_MS) {
    throw new ConfigError(`KEYWAY_REQUEST_TIMEOUT_MS: must not be below the headers timeout (${FIXES.KEYWAY_REQUEST_TIMEOUT_MS})`);
  }
  const publicUrlValue = values.KEYWAY_PUBLIC_URL ?? defaultPublicUrl(values.KEYWAY_HOST, values.KEYWAY_PORT);
  checkProviderCallback(env, values.KEYWAY_IDP, publicUrlValue);
  return Object.freeze({
    host: values.KEYWAY_HOST,
    port: values.KEYWAY_PORT,
    publicUrl: publicUrlValue,
    allowedOrigins: Object.freeze(values.KEYWAY_ALLOWED_ORIGINS.map((value) => value.replace(/\/$/, ''))),
    logLevel: values.KEYWAY_LOG_LEVEL,
    packs: Object.freeze(values.KEYWAY_PACKS),
    mcpSessions: values.KEYWAY_MCP_SESSIONS,
    sessionIdleSeconds: values.KEYWAY_SESSION_IDLE_SECONDS,
    maxSessions: values.KEYWAY_MAX_SESSIONS,
    maxSessionsPerUser: values.KEYWAY_MAX_SESSIONS_PER_USER,
    sseHeartbeatMs: values.KEYWAY_SSE_HEARTBEAT_SECONDS * 1000,
    sseMaxBufferBytes: values.KEYWAY_SSE_MAX_BUFFER_BYTES,
    maxBodyBytes: values.KEYWAY_MAX_BODY_BYTES,
    keepAliveTimeoutMs: values.KEYWAY_KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: values.KEYWAY_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: values.KEYWAY_REQUEST_TIMEOUT_MS,
    shutdownGraceMs: values.KEYWAY_SHUTDOWN_GRACE_MS,
    dataDir: values.KEYWAY_DATA_DIR,
    store: parseStore(values.KEYWAY_STORE, values.KEYWAY_DATA_DIR),
    ...(values.KEYWAY_SECRET === undefined ? {} : { secret: values.KEYWAY_SECRET }),
    previousSecrets: Object.freeze(values.KEYWAY_SECRET_PREVIOUS),
    identityProvider: values.KEYWAY_IDP,
    ...(values.KEYWAY_IDP === 'github' ? { github: loadGithubSettings(env, publicUrlValue) } : {}),
    ...(values.KEYWAY_IDP === 'oidc' ? { oidc: loadOidcSettings(env, publicUrlValue) } : {}),
    localLoginAllowed: values.KEYWAY_LOCAL_LOGIN,
    dynamicRegistration: values.KEYWAY_DCR,
    clientMetadataDocuments: values.KEYWAY_CIMD,
    scopes: Object.freeze(values.KEYWAY_SCOPES),
    ...(values.KEYWAY_CLIENTS === undefined ? {} : { preregisteredClients: values.KEYWAY_CLIENTS }),
    redirectUriAllowlist: Object.freeze(values.KEYWAY_REDIRECT_URI_ALLOWLIST),
    accessTokenTtlSeconds: values.KEYWAY_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenIdleSeconds: values.KEYWAY_REFRESH_TOKEN_IDLE_SECONDS,
    grantMaxSeconds: values.KEYWAY_GRANT_MAX_SECONDS,
    codeTtlSeconds: values.KEYWAY_CODE_TTL_SECONDS,
    refreshGraceSeconds: values.KEYWAY_REFRESH_GRACE_SECONDS,
    clientUnusedDays: values.KEYWAY_CLIENT_UNUSED_DAYS,
    tokenCacheSeconds: values.KEYWAY_TOKEN_CACHE_SECONDS,
    trustedProxies: Object.freeze(values.KEYWAY_TRUST_PROXY),
    rateRegisterPerMinute: values.KEYWAY_RATE_REGISTER_PER_MINUTE,
    rateTokenPerMinute: values.KEYWAY_RATE_TOKEN_PER_MINUTE,
    rateMcpPerMinute: values.KEYWAY_RATE_MCP_PER_MINUTE,
    journeyTimeoutSeconds: values.KEYWAY_JOURNEY_TIMEOUT_SECONDS,
  });
}
