import { randomBytes } from 'node:crypto';
import type { OAuthDiscoveryState as V2DiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { OAuthDiscoveryState as V1DiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { createCookieJar, type CookieJar } from './cookie-jar.js';
import { freePort } from './keyway.js';
import { signInThroughBrowser } from './oauth-flow.js';

/**
 * An MCP client application's `OAuthClientProvider`, in memory, for the real SDK clients (v1 and
 * v2 share the shape): it registers through DCR, keeps client information, tokens, the PKCE
 * verifier and discovery state, and — where a desktop app would open a browser — drives Keyway's
 * consent and sign-in pages headlessly, then keeps the code from the redirect back. Like a real
 * client it checks that the `state` comes back unchanged; the SDK leaves that to the application.
 */
export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

export interface HeadlessOAuthOptions {
  /** The name typed on Keyway's local sign-in page. Default `alice`. */
  readonly userName?: string;
  /** The person's browser. Pass one jar to several flows to keep Keyway's cookies between them. */
  readonly jar?: CookieJar;
  /** How the client registers to authenticate at `/token`. Default `none` (a public client). */
  readonly authMethod?: ClientAuthMethod;
  /** Port of the loopback redirect URI. Default: a port that was free a moment ago. */
  readonly redirectPort?: number;
  /** How the person's browser goes from the authorization URL back to the client. Default {@link signInThroughBrowser}. */
  readonly browse?: Browse;
}

/** From an authorization URL to the redirect back to the client (with `code`, `state`, `iss`). */
export type Browse = (authorizationUrl: string, userName: string, jar: CookieJar) => Promise<URL>;

/** The registration body the SDK sends: RFC 7591 names, as a desktop MCP client fills them. */
export interface HeadlessClientMetadata {
  readonly redirect_uris: string[];
  readonly token_endpoint_auth_method: ClientAuthMethod;
  readonly grant_types: string[];
  readonly response_types: string[];
  readonly client_name: string;
}

export interface HeadlessOAuthProvider<Info, Tokens, Discovery> {
  readonly redirectUrl: string;
  readonly clientMetadata: HeadlessClientMetadata;
  state(): string;
  clientInformation(): Info | undefined;
  saveClientInformation(information: Info): void;
  tokens(): Tokens | undefined;
  saveTokens(tokens: Tokens): void;
  redirectToAuthorization(authorizationUrl: URL): Promise<void>;
  saveCodeVerifier(verifier: string): void;
  codeVerifier(): string;
  saveDiscoveryState(state: Discovery): void;
  discoveryState(): Discovery | undefined;
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void;
  /** Every authorization URL the SDK built, in order. */
  readonly authorizationUrls: readonly URL[];
  /** Every redirect back to `redirectUrl` (with `code`, `state`, `iss`), in order. */
  readonly callbacks: readonly URL[];
  /** The latest redirect back; throws when there was none. */
  lastCallback(): URL;
  /** The `code` of the latest redirect back; throws when it carries none. */
  code(): string;
}

export type V1OAuthProvider = HeadlessOAuthProvider<OAuthClientInformationMixed, OAuthTokens, V1DiscoveryState>;
export type V2OAuthProvider = HeadlessOAuthProvider<StoredOAuthClientInformation, StoredOAuthTokens, V2DiscoveryState>;

function clientMetadata(redirectUrl: string, authMethod: ClientAuthMethod): HeadlessClientMetadata {
  return {
    redirect_uris: [redirectUrl],
    token_endpoint_auth_method: authMethod,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    client_name: 'keyway-e2e-sdk-client',
  };
}

function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the provider holds no ${what}`);
  return value;
}

/** A provider for either SDK; use {@link createV1OAuthProvider} or {@link createV2OAuthProvider}. */
export async function createHeadlessOAuthProvider<Info, Tokens, Discovery>(
  options: HeadlessOAuthOptions = {},
): Promise<HeadlessOAuthProvider<Info, Tokens, Discovery>> {
  const redirectUrl = `http://127.0.0.1:${options.redirectPort ?? (await freePort())}/callback`;
  const jar = options.jar ?? createCookieJar();
  const authorizationUrls: URL[] = [];
  const callbacks: URL[] = [];
  let information: Info | undefined;
  let tokens: Tokens | undefined;
  let verifier: string | undefined;
  let discovery: Discovery | undefined;
  let state: string | undefined;
  const lastCallback = (): URL => present(callbacks.at(-1), 'redirect back');
  return {
    redirectUrl,
    clientMetadata: clientMetadata(redirectUrl, options.authMethod ?? 'none'),
    state: () => (state = randomBytes(16).toString('base64url')),
    clientInformation: () => information,
    saveClientInformation: (value) => void (information = value),
    tokens: () => tokens,
    saveTokens: (value) => void (tokens = value),
    async redirectToAuthorization(authorizationUrl) {
      authorizationUrls.push(authorizationUrl);
      const back = await (options.browse ?? signInThroughBrowser)(authorizationUrl.href, options.userName ?? 'alice', jar);
      if (back.searchParams.get('state') !== state) throw new Error(`the state came back changed: ${back.searchParams.get('state')}`);
      callbacks.push(back);
    },
    saveCodeVerifier: (value) => void (verifier = value),
    codeVerifier: () => present(verifier, 'PKCE verifier'),
    saveDiscoveryState: (value) => void (discovery = value),
    discoveryState: () => discovery,
    invalidateCredentials(scope) {
      if (scope === 'all' || scope === 'client') information = undefined;
      if (scope === 'all' || scope === 'tokens') tokens = undefined;
      if (scope === 'all' || scope === 'verifier') verifier = undefined;
      if (scope === 'all' || scope === 'discovery') discovery = undefined;
    },
    authorizationUrls,
    callbacks,
    lastCallback,
    code: () => present(lastCallback().searchParams.get('code') ?? undefined, 'authorization code'),
  };
}

export const createV1OAuthProvider = (options?: HeadlessOAuthOptions): Promise<V1OAuthProvider> => createHeadlessOAuthProvider(options);
export const createV2OAuthProvider = (options?: HeadlessOAuthOptions): Promise<V2OAuthProvider> => createHeadlessOAuthProvider(options);

export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly status: number;
}

export interface RecordingFetch {
  /** Pass as the transports' `fetch` (and `auth()`'s `fetchFn`): every request goes out for real. */
  readonly fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  readonly requests: readonly RecordedRequest[];
  /** `METHOD /path → status` for each request so far, e.g. `POST /mcp → 401`. */
  lines(): string[];
}

/** A real `fetch` that remembers what the SDK asked for and what came back, to assert the discovery order. */
export function createRecordingFetch(): RecordingFetch {
  const requests: RecordedRequest[] = [];
  return {
    async fetch(url, init) {
      const response = await fetch(url, init);
      requests.push({ method: init?.method ?? 'GET', url: new URL(url), status: response.status });
      return response;
    },
    requests,
    lines: () => requests.map((request) => `${request.method} ${request.url.pathname} → ${request.status}`),
  };
}
