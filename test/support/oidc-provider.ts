import { generateKeyPairSync, randomBytes, sign, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import Provider, { type Account, type Configuration } from 'oidc-provider';
import { createOidcStorage } from './oidc-provider-storage.js';
import { driveOidcLogin, handleInteraction } from './oidc-provider-interactions.js';

/**
 * A real OpenID provider (panva's `oidc-provider`) on loopback port 0, for tests: two static
 * clients (confidential `keyway`, public `keyway-public`), PKCE required, a few accounts, and
 * login + consent interactions the tests drive headlessly (see oidc-provider-interactions.ts).
 * The clients are `native`, so a loopback redirect URI matches on any port (RFC 8252 §7.3): a test
 * may register `http://127.0.0.1/callback` before it knows the port Keyway will listen on.
 */
export interface OidcTestUser {
  /** What the user types at the provider's login; also their `preferred_username`. */
  readonly login: string;
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly groups?: readonly string[];
}

export type BreakMode = 'http500' | 'timeout' | 'bad_json';

export interface OidcTestProviderOptions {
  /** Default `['http://127.0.0.1/callback']` (any loopback port). */
  readonly redirectUris?: readonly string[];
  readonly users?: readonly OidcTestUser[];
  /** oidc-provider's default (true) keeps profile claims out of code-flow ID tokens. */
  readonly conformIdTokenClaims?: boolean;
}

export interface OidcTestProvider {
  readonly issuer: string;
  readonly clientId: 'keyway';
  readonly clientSecret: string;
  readonly publicClientId: 'keyway-public';
  /** Plays the user `login` in a fresh browser from `redirectTo` to the callback: its query parameters. */
  completeLogin(redirectTo: string, login: string): Promise<Record<string, string>>;
  /** The same, but the user cancels at the provider. */
  denyLogin(redirectTo: string): Promise<Record<string, string>>;
  /** From now on the back channel (token, userinfo, JWKS) fails this way; `undefined` heals it. */
  breakBackChannel(mode: BreakMode | undefined): void;
  renameUser(login: string, newLogin: string): void;
  /** Requests received, as `METHOD /path`, in order. */
  readonly requests: readonly string[];
  /** A JWS signed with the provider's own signing key (RS256, its `kid`): forged only in content. */
  signJwt(claims: Readonly<Record<string, unknown>>): string;
  close(): Promise<void>;
}

export const DEFAULT_OIDC_USERS: readonly OidcTestUser[] = [
  { login: 'alice', sub: '248289761001', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', groups: ['staff', 'admins'] },
  { login: 'bob', sub: '5e6f1a90-77b1-4c1e-9a51-0d0f8b2b9c4e', email: 'bob@example.org', email_verified: true, name: 'Bob Marley', groups: ['guests'] },
  { login: 'carol', sub: '90342.1837.55', email: 'carol@example.com', email_verified: false, name: 'Carol Danvers' },
  { login: 'mallory', sub: 'f1c2e3d4b5a6', email: 'mallory@evil.example', email_verified: true },
  { login: 'nomail', sub: '000731', name: 'No Mail' },
];

const CLIENT_SECRET = 'keyway-test-client-secret-0123456789abcdef';

let signingKey: { readonly jwk: JsonWebKey & { kid: string }; readonly pem: ReturnType<typeof generateKeyPairSync>['privateKey'] } | undefined;

/** One RSA key per test process: generating one costs tens of milliseconds. */
function providerKey(): NonNullable<typeof signingKey> {
  if (signingKey === undefined) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = { jwk: { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' }, pem: privateKey };
  }
  return signingKey;
}

function signJwt(claims: Readonly<Record<string, unknown>>): string {
  const { jwk, pem } = providerKey();
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: jwk.kid })}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), pem).toString('base64url')}`;
}

function accountsOf(users: readonly OidcTestUser[]): Map<string, OidcTestUser> {
  return new Map(users.map((user) => [user.sub, user]));
}

function configuration(options: OidcTestProviderOptions, accounts: Map<string, OidcTestUser>): Configuration {
  const redirectUris = [...(options.redirectUris ?? ['http://127.0.0.1/callback'])];
  const client = { application_type: 'native', redirect_uris: redirectUris, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] } as const;
  return {
    adapter: createOidcStorage(),
    clients: [
      { ...client, client_id: 'keyway', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic', redirect_uris: redirectUris, grant_types: [...client.grant_types], response_types: [...client.response_types] },
      { ...client, client_id: 'keyway-public', token_endpoint_auth_method: 'none', redirect_uris: redirectUris, grant_types: [...client.grant_types], response_types: [...client.response_types] },
    ],
    findAccount: (_ctx, sub): Account | undefined => {
      const user = accounts.get(sub);
      if (user === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, preferred_username: user.login, email: user.email, email_verified: user.email_verified, name: user.name, groups: user.groups ? [...user.groups] : undefined }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'groups'] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    conformIdTokenClaims: options.conformIdTokenClaims ?? true,
    cookies: { keys: [randomBytes(32).toString('hex')] },
    jwks: { keys: [providerKey().jwk] },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 86_400 },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

const BACK_CHANNEL = new Set(['/token', '/me', '/jwks']);

function misbehave(mode: BreakMode, res: ServerResponse): void {
  if (mode === 'timeout') return;
  if (mode === 'http500') res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error');
  else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token": "unterminated');
}

export async function startOidcProvider(t: TestContext, options: OidcTestProviderOptions = {}): Promise<OidcTestProvider> {
  const users = [...(options.users ?? DEFAULT_OIDC_USERS)];
  const accounts = accountsOf(users);
  const requests: string[] = [];
  let broken: BreakMode | undefined;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, configuration(options, accounts));
  const handle = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(`${req.method ?? 'GET'} ${path}`);
    if (broken !== undefined && BACK_CHANNEL.has(path)) return misbehave(broken, res);
    if (path.startsWith('/interaction/')) return void handleInteraction(provider, users, req, res);
    return void handle(req, res);
  });
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return {
    issuer,
    clientId: 'keyway',
    clientSecret: CLIENT_SECRET,
    publicClientId: 'keyway-public',
    completeLogin: (redirectTo, login) => driveOidcLogin(issuer, redirectTo, { login }),
    denyLogin: (redirectTo) => driveOidcLogin(issuer, redirectTo, 'deny'),
    breakBackChannel: (mode) => {
      broken = mode;
    },
    renameUser: (login, newLogin) => {
      const index = users.findIndex((user) => user.login === login);
      const user = users[index];
      if (user === undefined) throw new Error(`no test user ${login}`);
      users[index] = { ...user, login: newLogin };
      accounts.set(user.sub, users[index]);
    },
    requests,
    signJwt,
    close,
  };
}
