import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { TestContext } from 'node:test';
import { createAesGcmSealer } from '../../../src/adapters/crypto/sealer.js';
import { createSha256Hasher } from '../../../src/adapters/crypto/hasher.js';
import { authorizeRoutes, type BrowserFlowDeps } from '../../../src/adapters/http/authorize.js';
import { callbackRoutes } from '../../../src/adapters/http/callback.js';
import { consentRoutes } from '../../../src/adapters/http/consent.js';
import { createSignedCookies } from '../../../src/adapters/http/cookies.js';
import { createGuards } from '../../../src/adapters/http/guards.js';
import { createPipeline } from '../../../src/adapters/http/pipeline.js';
import { createRouter } from '../../../src/adapters/http/router.js';
import type { Route } from '../../../src/adapters/http/types.js';
import { createLocalIdentityProvider } from '../../../src/adapters/identity/local/local-identity-provider.js';
import { createJsonLogger } from '../../../src/adapters/logging/json-logger.js';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import { createCryptoRandom } from '../../../src/adapters/system/random.js';
import type { Client } from '../../../src/domain/clients/client.js';
import { createClientRegistry } from '../../../src/domain/clients/client-registry.js';
import type { ClientMetadataInput, ClientRegistry } from '../../../src/domain/clients/registry.js';
import { createAuthorizationFlow } from '../../../src/domain/grants/authorization-flow.js';
import { createOAuthPolicy, type OAuthPolicy } from '../../../src/domain/oauth-policy.js';
import type { Hasher } from '../../../src/domain/ports/crypto.js';
import type { IdentityProvider } from '../../../src/domain/ports/identity.js';
import type { Logger } from '../../../src/domain/ports/logger.js';
import { ANONYMOUS } from '../../../src/domain/principal.js';
import { createCookieJar, type CookieJar } from '../../support/cookie-jar.js';
import { createFakeClock, type FakeClock } from '../../support/fake-clock.js';
import { listenOnLoopback } from '../../support/http-app.js';

/**
 * The whole browser leg on a real node:http server on port 0, through Keyway's pipeline: the real
 * client registry, memory stores, SHA-256 hasher, AES-GCM sealer, signed cookies and (unless a test
 * brings its own provider) the local sign-in. The public URL is the bound loopback origin.
 */
export interface BrowserLeg {
  readonly origin: string;
  readonly stores: Stores;
  readonly clock: FakeClock;
  readonly hasher: Hasher;
  readonly policy: OAuthPolicy;
  readonly registry: ClientRegistry;
  readonly logs: Array<Record<string, unknown>>;
  /** Registers a dynamic client (RFC 7591) and returns it. */
  register(metadata: ClientMetadataInput): Promise<Client>;
  /** A fresh browser with its own cookie jar. */
  browser(): Browser;
}

export type FetchSite = 'cross-site' | 'same-site' | 'same-origin' | 'none';

export interface SubmitOptions {
  /** The `Origin` header, `false` for none; a form on a `Referrer-Policy: no-referrer` page sends `null` (the default). */
  readonly origin?: string | false;
  readonly site?: FetchSite;
  /** Leave out `Sec-Fetch-Site` (an older browser, or a non-browser client). */
  readonly noSite?: boolean;
}

export interface Browser {
  readonly jar: CookieJar;
  /** A top-level GET navigation, as started by `site` (a client's link is `cross-site`). */
  navigate(url: string, site?: FetchSite): Promise<Response>;
  /** A form POST; follows nothing. */
  submit(url: string, fields: Readonly<Record<string, string>>, options?: SubmitOptions): Promise<Response>;
}

export interface BrowserLegOptions {
  readonly identity?: (publicUrl: URL) => IdentityProvider & { readonly routes?: readonly Route[] };
  readonly scopes?: readonly string[];
  readonly preregistered?: readonly Client[];
  readonly loginTimeoutMs?: number;
}

function absolute(origin: string, url: string): string {
  return new URL(url, origin).href;
}

/** A browser-like client of `origin` with its own cookie jar on `clock`. */
export function createBrowser(origin: string, clock: FakeClock): Browser {
  const jar = createCookieJar(() => clock.now());
  const send = async (url: string, init: RequestInit, headers: Record<string, string>): Promise<Response> => {
    const cookie = jar.header();
    const response = await fetch(absolute(origin, url), { ...init, redirect: 'manual', headers: { ...headers, ...(cookie === undefined ? {} : { cookie }) } });
    jar.store(response);
    return response;
  };
  return {
    jar,
    navigate: (url, site = 'cross-site') => send(url, { method: 'GET' }, { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' }),
    submit: (url, fields, options = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (options.noSite !== true) headers['sec-fetch-site'] = options.site ?? 'same-origin';
      if (options.origin !== false) headers.origin = options.origin ?? 'null';
      return send(url, { method: 'POST', body: new URLSearchParams(fields).toString() }, headers);
    },
  };
}

/**
 * Serves the routes `build` returns through Keyway's pipeline on a real port-0 server whose public
 * URL is its own loopback origin (known only once bound, hence the callback).
 */
export async function serveRoutes(t: TestContext, build: (publicUrl: URL, logger: Logger) => readonly Route[]): Promise<{ readonly origin: string; readonly logs: Array<Record<string, unknown>> }> {
  const server = createServer();
  const origin = await listenOnLoopback(t, server);
  const publicUrl = new URL(origin);
  const logs: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const routes = build(publicUrl, logger);
  server.on('request', createPipeline({ router: createRouter(routes), guards: createGuards({ publicUrl, extraOrigins: [] }), gate: async () => ANONYMOUS, logger, publicUrl }));
  return { origin, logs };
}

export async function startBrowserLeg(t: TestContext, options: BrowserLegOptions = {}): Promise<BrowserLeg> {
  const clock = createFakeClock();
  let built: Omit<BrowserLeg, 'origin' | 'logs' | 'browser'> | undefined;
  const { origin, logs } = await serveRoutes(t, (publicUrl, logger) => {
    const leg = buildLeg(publicUrl, logger, clock, options);
    built = leg;
    return leg.routes;
  });
  if (built === undefined) throw new Error('routes were not built');
  return { ...built, origin, logs, browser: () => createBrowser(origin, clock) };
}

function buildLeg(publicUrl: URL, logger: Logger, clock: FakeClock, options: BrowserLegOptions) {
  const origin = publicUrl.origin;
  const random = createCryptoRandom();
  const hasher = createSha256Hasher();
  const stores = createMemoryStores();
  const policy = createOAuthPolicy(origin, {
    scopes: options.scopes ?? ['mcp'],
    codeTtlSeconds: 300,
    accessTokenTtlSeconds: 3600,
    refreshTokenIdleSeconds: 30 * 24 * 3600,
    grantMaxSeconds: 180 * 24 * 3600,
    refreshGraceSeconds: 60,
  });
  const registry = createClientRegistry({
    store: stores.clients,
    clock,
    random,
    hasher,
    logger,
    policy: { dynamicRegistration: true, metadataDocuments: false, redirectUriAllowlist: [], preregistered: options.preregistered ?? [], unusedSeconds: 30 * 24 * 3600 },
  });
  const identity = options.identity?.(publicUrl) ?? createLocalIdentityProvider({ publicUrl, clock, random, logger });
  const flow = createAuthorizationFlow({
    clients: registry,
    flows: stores.flows,
    grants: stores.grants,
    consents: stores.consents,
    identity,
    clock,
    random,
    hasher,
    sealer: createAesGcmSealer({ current: { kid: 'test', key: randomBytes(32) } }),
    policy,
    callbackUrl: `${origin}/callback`,
    logger,
  });
  const deps: BrowserFlowDeps = {
    flow,
    policy,
    cookies: createSignedCookies(randomBytes(32), clock),
    random,
    publicUrl,
    ...(options.loginTimeoutMs === undefined ? {} : { loginTimeoutMs: options.loginTimeoutMs }),
  };
  const routes = [...authorizeRoutes(deps), ...consentRoutes(deps), ...callbackRoutes(deps), ...(identity.routes ?? [])];
  return {
    routes,
    stores,
    clock,
    hasher,
    policy,
    registry,
    register: async (metadata: ClientMetadataInput) => (await registry.register(metadata)).client,
  };
}

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The hidden fields of the first form in `html`, unescaped. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] ?? ''] = (match[2] ?? '').replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
  }
  return fields;
}

/** A PKCE S256 challenge for a fresh verifier. */
export function aChallenge(hasher: Hasher): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: hasher.hash(verifier) };
}

/** `/authorize?…` for `client` with the parameters Claude sends, overridable. */
export function authorizeUrl(client: Client, overrides: Readonly<Record<string, string | undefined>> = {}, challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'): string {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUris[0],
    state: 'client-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'mcp',
    ...overrides,
  };
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.append(name, value);
  return `/authorize?${search.toString()}`;
}
