import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { listenOnLoopback } from './http-app.js';

/**
 * A loopback GitHub for tests: the OAuth web flow (`/login/oauth/authorize`, `/login/oauth/access_token`)
 * at the origin and the REST API under `/api/v3` (as on GitHub Enterprise Server), behaving as
 * GitHub does where it differs from RFC 6749: token errors come back with HTTP 200, granted scopes
 * are comma-separated, the token endpoint answers form-encoded unless asked for JSON. PKCE S256 is
 * verified, codes work once, and in `app` mode (a GitHub App) user tokens expire after 8 hours and
 * refresh tokens rotate.
 */
export interface FakeGithubUser {
  readonly id: number;
  login: string;
  readonly name?: string;
  readonly orgs?: readonly string[];
  /** `org/team-slug` of teams the user is an active member of. */
  readonly teams?: readonly string[];
  /** `org/team-slug` of teams the user is invited to but has not joined (membership `pending`). */
  readonly pendingTeams?: readonly string[];
}

export interface FakeGithubOptions {
  readonly users?: readonly FakeGithubUser[];
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** A GitHub App: expiring user tokens (8 h) with rotating refresh tokens (6 months). */
  readonly app?: boolean;
  /** Organizations with OAuth App access restrictions that have not approved this app: 403 on membership checks. */
  readonly restrictedOrgs?: readonly string[];
  /** Epoch seconds, for token expiry; default the wall clock. */
  readonly now?: () => number;
}

export type FakeGithubFailure = 'http500' | 'hang' | 'bad_json';

/** What an extra REST route sees: the signed-in user, the path's match, the query. */
export interface FakeApiRequest {
  readonly user: FakeGithubUser;
  readonly match: RegExpExecArray;
  readonly query: URLSearchParams;
}

export interface FakeApiResponse {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FakeGithub {
  readonly webBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Plays `login` on GitHub's authorize page (already signed in, clicks Authorize); returns the callback's query. */
  signIn(redirectTo: string, login: string): Promise<Record<string, string>>;
  /** Plays a user who clicks Cancel; returns the callback's query (`error=access_denied`). */
  deny(redirectTo: string): Promise<Record<string, string>>;
  /** From now on the back channel (token endpoint and API) fails this way; `undefined` heals it. */
  fail(mode: FakeGithubFailure | undefined): void;
  rename(login: string, newLogin: string): void;
  /** The user revokes the app: every token they hold stops working (API 401, refresh `bad_refresh_token`). */
  revoke(login: string): void;
  /** Adds an authenticated REST route under the API base (e.g. `GET /user/repos`). */
  route(method: string, path: RegExp, handler: (request: FakeApiRequest) => FakeApiResponse): void;
  /** Every token-endpoint request's form fields, in order. */
  readonly tokenRequests: Array<Record<string, string>>;
  /** Every API request, as `METHOD /path` relative to the API base. */
  readonly apiRequests: string[];
}

interface IssuedCode {
  readonly userId: number;
  readonly redirectUri: string;
  readonly challenge?: string;
  readonly scope: string;
  readonly expiresAt: number;
}

interface IssuedToken {
  readonly userId: number;
  readonly expiresAt?: number;
  revoked?: boolean;
}

const DEFAULT_USERS: readonly FakeGithubUser[] = [
  { id: 1001, login: 'alice', name: 'Alice', orgs: ['acme'], teams: ['acme/core'] },
  { id: 1002, login: 'bob', name: 'Bob', orgs: ['acme'] },
  { id: 1003, login: 'carol', name: 'Carol' },
  { id: 1004, login: 'mallory', name: 'Mallory' },
];

const ACCESS_TTL = 8 * 3600;
const REFRESH_TTL = 15_897_600;
const DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';
const RESTRICTED = (org: string): string =>
  `Although you appear to have the correct authorization credentials, the \`${org}\` organization has enabled OAuth App access restrictions, meaning that data access to third-parties is limited. For more information on these restrictions, including how to enable this app, visit https://docs.github.com/articles/restricting-access-to-your-organization-s-data/`;

const token = (prefix: string): string => `${prefix}_${randomBytes(18).toString('base64url')}`;
const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers });
  res.end(text);
}

async function formOf(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

/** The Basic credentials of a token request, when sent that way. @see RFC 6749 §2.3.1 */
function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const match = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (match?.[1] === undefined) return undefined;
  const [id = '', secret = ''] = Buffer.from(match[1], 'base64').toString('utf8').split(':').map(decodeURIComponent);
  return { id, secret };
}

export async function startFakeGithub(t: TestContext, options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const users = (options.users ?? DEFAULT_USERS).map((user) => ({ ...user }));
  const restricted = new Set(options.restrictedOrgs ?? []);
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, IssuedToken>();
  const extraRoutes: Array<{ method: string; path: RegExp; handler: (request: FakeApiRequest) => FakeApiResponse }> = [];
  const tokenRequests: Array<Record<string, string>> = [];
  const apiRequests: string[] = [];
  let failure: FakeGithubFailure | undefined;

  const byLogin = (login: string): FakeGithubUser | undefined => users.find((user) => user.login.toLowerCase() === login.toLowerCase());
  const byId = (id: number): FakeGithubUser | undefined => users.find((user) => user.id === id);

  function authorize(url: URL, res: ServerResponse): void {
    const query = url.searchParams;
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('client_id') !== clientId || !/^https?:\/\//.test(redirectUri)) return send(res, 404, { message: 'Not Found' });
    const method = query.get('code_challenge_method');
    if (query.has('code_challenge') && method !== 'S256') return send(res, 400, { message: 'code_challenge_method must be S256' });
    const back = new URL(redirectUri);
    const state = query.get('state');
    const user = byLogin(query.get('login') ?? '');
    if (query.get('deny') === '1') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
      back.searchParams.set('error_uri', `${DOCS}/#access-denied`);
    } else if (user !== undefined) {
      const code = randomBytes(10).toString('hex');
      const challenge = query.get('code_challenge') ?? undefined;
      codes.set(code, { userId: user.id, redirectUri, scope: query.get('scope') ?? '', expiresAt: now() + 600, ...(challenge === undefined ? {} : { challenge }) });
      back.searchParams.set('code', code);
    } else {
      return send(res, 404, { message: 'no such user at the fake GitHub' });
    }
    if (state !== null) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.href });
    res.end();
  }

  /** GitHub's token errors: HTTP 200 with an `error` member. */
  const tokenError = (error: string, description: string) => ({ error, error_description: description, error_uri: `${DOCS}/#${error.replaceAll('_', '-')}` });

  function issue(userId: number, scope: string): Record<string, string | number> {
    const access = token(options.app === true ? 'ghu' : 'gho');
    if (options.app !== true) {
      accessTokens.set(access, { userId });
      return { access_token: access, token_type: 'bearer', scope: scope.split(/[\s,]+/).filter(Boolean).join(',') };
    }
    const refresh = token('ghr');
    accessTokens.set(access, { userId, expiresAt: now() + ACCESS_TTL });
    refreshTokens.set(refresh, { userId, expiresAt: now() + REFRESH_TTL });
    return { access_token: access, expires_in: ACCESS_TTL, refresh_token: refresh, refresh_token_expires_in: REFRESH_TTL, scope: '', token_type: 'bearer' };
  }

  function exchange(form: Record<string, string>): Record<string, string | number> {
    const code = form.code === undefined ? undefined : codes.get(form.code);
    if (form.code !== undefined) codes.delete(form.code);
    if (code === undefined || code.expiresAt <= now()) return tokenError('bad_verification_code', 'The code passed is incorrect or expired.');
    if (form.redirect_uri !== undefined && form.redirect_uri !== code.redirectUri) return tokenError('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
    if (code.challenge !== undefined && (form.code_verifier === undefined || s256(form.code_verifier) !== code.challenge)) {
      return tokenError('bad_verification_code', 'The code passed is incorrect or expired.');
    }
    return issue(code.userId, code.scope);
  }

  function refresh(form: Record<string, string>): Record<string, string | number> {
    const held = form.refresh_token === undefined ? undefined : refreshTokens.get(form.refresh_token);
    if (options.app !== true || held === undefined || held.revoked === true || (held.expiresAt ?? Infinity) <= now()) {
      return tokenError('bad_refresh_token', 'The refresh token passed is incorrect or expired.');
    }
    refreshTokens.delete(form.refresh_token ?? '');
    return issue(held.userId, '');
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await formOf(req);
    tokenRequests.push(form);
    const basic = basicCredentials(req);
    const [id, secret] = [basic?.id ?? form.client_id, basic?.secret ?? form.client_secret];
    const body = id !== clientId || secret !== clientSecret
      ? tokenError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.')
      : form.grant_type === 'refresh_token' ? refresh(form) : exchange(form);
    if ((req.headers.accept ?? '').includes('application/json')) return send(res, 200, body);
    res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    res.end(new URLSearchParams(Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]))).toString());
  }

  function signedIn(req: IncomingMessage): FakeGithubUser | undefined {
    const match = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '');
    const held = match?.[1] === undefined ? undefined : accessTokens.get(match[1]);
    if (held === undefined || held.revoked === true || (held.expiresAt ?? Infinity) <= now()) return undefined;
    return byId(held.userId);
  }

  function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    apiRequests.push(`${req.method ?? 'GET'} ${path}`);
    const user = signedIn(req);
    if (user === undefined) return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    const answer = restAnswer(user, req.method ?? 'GET', path, query);
    send(res, answer.status ?? 200, answer.body, { ...answer.headers });
  }

  function restAnswer(user: FakeGithubUser, method: string, path: string, query: URLSearchParams): FakeApiResponse {
    const notFound = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
    for (const route of extraRoutes) {
      const match = method === route.method ? route.path.exec(path) : null;
      if (match !== null) return route.handler({ user, match, query });
    }
    if (method !== 'GET') return notFound;
    if (path === '/user') return { body: { login: user.login, id: user.id, node_id: `U_${user.id}`, type: 'User', name: user.name ?? null, avatar_url: `https://avatars.example/u/${user.id}`, html_url: `https://github.example/${user.login}` } };
    if (path === '/user/orgs') return { body: (user.orgs ?? []).filter((org) => !restricted.has(org)).map((login, index) => ({ login, id: 5000 + index })) };
    const member = /^\/orgs\/([^/]+)\/members\/([^/]+)$/.exec(path);
    if (member !== null) return memberAnswer(user, decodeURIComponent(member[1] ?? ''), decodeURIComponent(member[2] ?? ''));
    const team = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(path);
    if (team !== null) return teamAnswer(decodeURIComponent(team[1] ?? ''), decodeURIComponent(team[2] ?? ''), decodeURIComponent(team[3] ?? ''));
    return notFound;
  }

  function memberAnswer(requester: FakeGithubUser, org: string, login: string): FakeApiResponse {
    if (restricted.has(org)) return { status: 403, body: { message: RESTRICTED(org), documentation_url: 'https://docs.github.com/rest/orgs/members' } };
    if (!(requester.orgs ?? []).includes(org)) return { status: 302, headers: { location: `/api/v3/orgs/${org}/public_members/${login}` } };
    return (byLogin(login)?.orgs ?? []).includes(org) ? { status: 204 } : { status: 404, body: { message: 'User does not exist or is not a member of the organization' } };
  }

  function teamAnswer(org: string, slug: string, login: string): FakeApiResponse {
    if (restricted.has(org)) return { status: 403, body: { message: RESTRICTED(org) } };
    const user = byLogin(login);
    const team = `${org}/${slug}`;
    const state = (user?.teams ?? []).includes(team) ? 'active' : (user?.pendingTeams ?? []).includes(team) ? 'pending' : undefined;
    return state === undefined ? { status: 404, body: { message: 'Not Found' } } : { body: { state, role: 'member', url: `/orgs/${org}/teams/${slug}/memberships/${login}` } };
  }

  function failed(res: ServerResponse): boolean {
    if (failure === 'http500') send(res, 500, { message: 'Server Error' });
    if (failure === 'bad_json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end('{"access_token": "gho_trunc');
    }
    return failure !== undefined;
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') return authorize(url, res);
    if (failed(res)) return;
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') return void tokenEndpoint(req, res);
    if (url.pathname.startsWith('/api/v3/')) return api(req, res, url.pathname.slice('/api/v3'.length), url.searchParams);
    send(res, 404, { message: 'Not Found' });
  });
  const origin = await listenOnLoopback(t, server);

  async function follow(redirectTo: string, extra: Record<string, string>): Promise<Record<string, string>> {
    const url = new URL(redirectTo);
    for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status !== 302 || location === null) throw new Error(`the fake GitHub refused the authorization (${response.status}): ${await response.text()}`);
    return Object.fromEntries(new URL(location).searchParams);
  }

  const held = (login: string): FakeGithubUser => {
    const user = byLogin(login);
    if (user === undefined) throw new Error(`no user ${login} at the fake GitHub`);
    return user;
  };

  return {
    webBaseUrl: origin,
    apiBaseUrl: `${origin}/api/v3`,
    clientId,
    clientSecret,
    signIn: (redirectTo, login) => follow(redirectTo, { login }),
    deny: (redirectTo) => follow(redirectTo, { deny: '1' }),
    fail: (mode) => {
      failure = mode;
    },
    rename: (login, newLogin) => {
      held(login).login = newLogin;
    },
    revoke: (login) => {
      const { id } = held(login);
      for (const issued of [...accessTokens.values(), ...refreshTokens.values()]) if (issued.userId === id) issued.revoked = true;
    },
    route: (method, path, handler) => {
      extraRoutes.push({ method, path, handler });
    },
    tokenRequests,
    apiRequests,
  };
}
