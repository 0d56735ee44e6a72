import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * GitHub's REST API on loopback, for the GitHub tools: `/user`, `/user/repos`, `/repos/{o}/{r}`,
 * `/repos/{o}/{r}/issues`, `/issues`, `/search/issues`, with GitHub's pagination (`Link`), its
 * visibility rules (a private repository you cannot see is a 404), and its failure answers
 * (rate limits primary and secondary, 401 for a revoked token, SAML SSO 403, 422, 5xx, hangs).
 * The routes are also exported on their own (`githubRestRoutes`) so the OAuth fake can serve them.
 * @see https://docs.github.com/en/rest
 */

export interface RestUser {
  readonly id: number;
  readonly login: string;
  readonly name?: string;
}

export interface FakeRepo {
  readonly owner: string;
  readonly name: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly language?: string;
  readonly topics?: readonly string[];
  readonly collaborators?: readonly string[];
  /** Members of the owning organization (the owner is then an organization). */
  readonly members?: readonly string[];
  /** The organization enforces SAML SSO: 403 with `X-GitHub-SSO`. */
  readonly sso?: boolean;
}

export interface FakeIssue {
  readonly repo: string;
  readonly number: number;
  readonly title: string;
  readonly state: 'open' | 'closed';
  readonly author: string;
  readonly assignees?: readonly string[];
  readonly labels?: readonly string[];
  readonly body?: string;
  readonly pullRequest?: boolean;
}

export interface RestData {
  readonly users: readonly RestUser[];
  readonly repos: readonly FakeRepo[];
  readonly issues: readonly FakeIssue[];
}

export interface RestRouteRequest {
  readonly user: RestUser;
  readonly match: RegExpExecArray;
  readonly query: URLSearchParams;
}

export interface RestRouteResponse {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RestRoute {
  readonly method: 'GET';
  readonly path: RegExp;
  handler(request: RestRouteRequest): RestRouteResponse;
}

const fullName = (repo: FakeRepo): string => `${repo.owner}/${repo.name}`;
const NOT_FOUND: RestRouteResponse = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };

function affiliationOf(repo: FakeRepo, login: string): string | undefined {
  if (repo.owner === login) return 'owner';
  if (repo.collaborators?.includes(login) === true) return 'collaborator';
  if (repo.members?.includes(login) === true) return 'organization_member';
  return undefined;
}

const visible = (repo: FakeRepo, login: string): boolean => repo.private !== true || affiliationOf(repo, login) !== undefined;

function repoJson(repo: FakeRepo, login: string, base: string): Record<string, unknown> {
  const affiliation = affiliationOf(repo, login);
  return {
    id: repo.name.length * 1000 + repo.owner.length,
    node_id: `R_${repo.owner}_${repo.name}`,
    name: repo.name,
    full_name: fullName(repo),
    owner: { login: repo.owner, id: 1, avatar_url: `https://avatars.example/${repo.owner}`, type: repo.members === undefined ? 'User' : 'Organization' },
    private: repo.private === true,
    visibility: repo.private === true ? 'private' : 'public',
    description: repo.description ?? null,
    html_url: `https://github.example/${fullName(repo)}`,
    url: `${base}/repos/${fullName(repo)}`,
    clone_url: `https://github.example/${fullName(repo)}.git`,
    default_branch: 'main',
    language: repo.language ?? null,
    stargazers_count: 7,
    watchers_count: 7,
    forks_count: 2,
    open_issues_count: 3,
    archived: false,
    fork: false,
    topics: repo.topics ?? [],
    pushed_at: '2026-01-02T03:04:05Z',
    updated_at: '2026-01-02T03:04:05Z',
    permissions: { admin: affiliation === 'owner', maintain: false, push: affiliation !== undefined, triage: affiliation !== undefined, pull: true },
  };
}

function issueJson(issue: FakeIssue, base: string, withRepository: boolean): Record<string, unknown> {
  return {
    id: issue.number * 7,
    number: issue.number,
    title: issue.title,
    state: issue.state,
    html_url: `https://github.example/${issue.repo}/issues/${issue.number}`,
    url: `${base}/repos/${issue.repo}/issues/${issue.number}`,
    repository_url: `${base}/repos/${issue.repo}`,
    user: { login: issue.author, id: 9 },
    assignees: (issue.assignees ?? []).map((login) => ({ login, id: 9 })),
    labels: (issue.labels ?? []).map((name) => ({ name, color: 'ff0000' })),
    comments: 1,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-02T00:00:00Z',
    closed_at: issue.state === 'closed' ? '2026-01-03T00:00:00Z' : null,
    body: issue.body ?? null,
    reactions: { total_count: 0 },
    ...(issue.pullRequest === true ? { pull_request: { url: `${base}/repos/${issue.repo}/pulls/${issue.number}` } } : {}),
    ...(withRepository ? { repository: { full_name: issue.repo, private: false } } : {}),
  };
}

/** GitHub's pagination: `page`/`per_page` (default 30, at most 100) and a `Link` to the next page. */
function paginate<T>(items: readonly T[], query: URLSearchParams, base: string, path: string): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(query.get('per_page') ?? 30) || 30, 100);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (page * perPage >= items.length) return { page: slice, headers: {} };
  const next = new URLSearchParams(query);
  next.set('page', String(page + 1));
  return { page: slice, headers: { link: `<${base}${path}?${next.toString()}>; rel="next", <${base}${path}?page=999>; rel="last"` } };
}

function findRepo(data: RestData, owner: string, name: string, login: string): FakeRepo | RestRouteResponse {
  const repo = data.repos.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase());
  if (repo === undefined || !visible(repo, login)) return NOT_FOUND;
  if (repo.sso === true) {
    return {
      status: 403,
      body: { message: 'Resource protected by organization SAML enforcement. You must grant your OAuth token access to this organization.' },
      headers: { 'x-github-sso': `required; url=https://github.example/orgs/${repo.owner}/sso?authorization_request=abc` },
    };
  }
  return repo;
}

/** `repo:`, `is:`, `state:`, `author:`, `assignee:` (with `@me`), `label:`; other words match titles. */
function searchMatches(data: RestData, q: string, login: string): FakeIssue[] {
  const terms = q.split(/\s+/).filter((term) => term !== '');
  const test = (issue: FakeIssue, term: string): boolean => {
    const [key = '', value = ''] = term.includes(':') ? [term.slice(0, term.indexOf(':')), term.slice(term.indexOf(':') + 1)] : ['', term];
    const who = value === '@me' ? login : value;
    if (key === 'repo') return issue.repo.toLowerCase() === value.toLowerCase();
    if (key === 'is' || key === 'state') return value === 'pr' ? issue.pullRequest === true : value === 'issue' ? issue.pullRequest !== true : issue.state === value;
    if (key === 'author') return issue.author === who;
    if (key === 'assignee') return issue.assignees?.includes(who) === true;
    if (key === 'label') return issue.labels?.includes(value) === true;
    return issue.title.toLowerCase().includes(value.toLowerCase());
  };
  const repoOf = (issue: FakeIssue): FakeRepo | undefined => data.repos.find((repo) => fullName(repo) === issue.repo);
  return data.issues.filter((issue) => {
    const repo = repoOf(issue);
    return repo !== undefined && visible(repo, login) && terms.every((term) => test(issue, term));
  });
}

export function githubRestRoutes(data: RestData, apiBaseUrl: string): RestRoute[] {
  const base = apiBaseUrl.replace(/\/+$/, '');
  const page = <T>(items: readonly T[], query: URLSearchParams, path: string, map: (item: T) => unknown): RestRouteResponse => {
    const { page: slice, headers } = paginate(items, query, base, path);
    return { body: slice.map(map), headers };
  };
  return [
    {
      method: 'GET',
      path: /^\/user$/,
      handler: ({ user }) => ({
        body: { id: user.id, login: user.login, node_id: `U_${user.id}`, type: 'User', name: user.name ?? null, avatar_url: `https://avatars.example/u/${user.id}`, html_url: `https://github.example/${user.login}`, public_repos: data.repos.filter((r) => r.owner === user.login && r.private !== true).length, followers: 12, following: 3, plan: { name: 'free' } },
      }),
    },
    {
      method: 'GET',
      path: /^\/user\/repos$/,
      handler: ({ user, query }) => {
        const affiliations = (query.get('affiliation') ?? 'owner,collaborator,organization_member').split(',');
        const visibility = query.get('visibility') ?? 'all';
        const repos = data.repos
          .filter((repo) => affiliations.includes(affiliationOf(repo, user.login) ?? ''))
          .filter((repo) => visibility === 'all' || (visibility === 'private') === (repo.private === true));
        const sorted = query.get('sort') === 'full_name' ? [...repos].sort((a, b) => fullName(a).localeCompare(fullName(b))) : repos;
        return page(sorted, query, '/user/repos', (repo) => repoJson(repo, user.login, base));
      },
    },
    {
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)$/,
      handler: ({ user, match }) => {
        const repo = findRepo(data, decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? ''), user.login);
        return 'owner' in repo ? { body: repoJson(repo, user.login, base) } : repo;
      },
    },
    {
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      handler: ({ user, match, query }) => {
        const repo = findRepo(data, match[1] ?? '', match[2] ?? '', user.login);
        if (!('owner' in repo)) return repo;
        const state = query.get('state') ?? 'open';
        const issues = data.issues
          .filter((issue) => issue.repo === fullName(repo) && (state === 'all' || issue.state === state))
          .filter((issue) => (query.has('assignee') ? issue.assignees?.includes(query.get('assignee') ?? '') === true : true))
          .filter((issue) => (query.has('creator') ? issue.author === query.get('creator') : true));
        return page(issues, query, `/repos/${fullName(repo)}/issues`, (issue) => issueJson(issue, base, false));
      },
    },
    {
      method: 'GET',
      path: /^\/issues$/,
      handler: ({ user, query }) => {
        const state = query.get('state') ?? 'open';
        const mine = (issue: FakeIssue): boolean => (query.get('filter') === 'created' ? issue.author === user.login : issue.assignees?.includes(user.login) === true);
        const issues = data.issues.filter((issue) => mine(issue) && (state === 'all' || issue.state === state));
        return page(issues, query, '/issues', (issue) => issueJson(issue, base, true));
      },
    },
    {
      method: 'GET',
      path: /^\/search\/issues$/,
      handler: ({ user, query }) => {
        const q = query.get('q') ?? '';
        if (q.includes('bogus:')) return { status: 422, body: { message: 'Validation Failed', errors: [{ message: 'The search contains an unknown qualifier: bogus' }] } };
        const found = searchMatches(data, q, user.login);
        const { page: slice, headers } = paginate(found, query, base, '/search/issues');
        return { body: { total_count: found.length, incomplete_results: false, items: slice.map((issue) => issueJson(issue, base, false)) }, headers };
      },
    },
  ];
}

export type RestFailureMode = 'rate_limited' | 'secondary_rate_limit' | 'too_many_requests' | 'unauthorized' | 'server_error' | 'hang' | 'bad_json';

export interface RecordedRestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
  readonly apiVersion: string | undefined;
}

export interface FakeGithubRest {
  readonly apiBaseUrl: string;
  readonly requests: RecordedRestRequest[];
  /** From now on every request fails this way; `undefined` heals it. */
  fail(mode: RestFailureMode | undefined): void;
  /** The user revoked this token at GitHub: 401 from now on. */
  revokeToken(token: string): void;
  /** Epoch seconds GitHub says the primary rate limit resets at. */
  readonly rateLimitResetAt: number;
}

const RESET_AT = 1_900_000_000;

function failureAnswer(mode: Exclude<RestFailureMode, 'hang'>): RestRouteResponse | 'bad_json' {
  switch (mode) {
    case 'rate_limited':
      return { status: 403, body: { message: 'API rate limit exceeded for user ID 1001.' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RESET_AT) } };
    case 'secondary_rate_limit':
      return { status: 403, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, headers: { 'retry-after': '42' } };
    case 'too_many_requests':
      return { status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '7' } };
    case 'unauthorized':
      return { status: 401, body: { message: 'Bad credentials' } };
    case 'server_error':
      return { status: 502, body: { message: 'Server Error' } };
    case 'bad_json':
      return 'bad_json';
  }
}

function reply(res: ServerResponse, answer: RestRouteResponse): void {
  res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...answer.headers });
  res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
}

/** Starts the fake; `tokens` maps each bearer token to the user it belongs to. Closed after the test. */
export async function startFakeGithubRest(t: TestContext, data: RestData, tokens: Readonly<Record<string, string>>): Promise<FakeGithubRest> {
  const requests: RecordedRestRequest[] = [];
  const revoked = new Set<string>();
  let mode: RestFailureMode | undefined;
  let routes: RestRoute[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization, accept: req.headers.accept, apiVersion: req.headers['x-github-api-version'] as string | undefined });
    if (mode === 'hang') return;
    const failure = mode === undefined ? undefined : failureAnswer(mode);
    if (failure === 'bad_json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>unicorn</html>');
    if (failure !== undefined) return reply(res, failure);
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    const user = data.users.find((u) => u.login === tokens[token]);
    if (user === undefined || revoked.has(token)) return reply(res, { status: 401, body: { message: 'Bad credentials' } });
    for (const route of routes) {
      const match = route.path.exec(url.pathname);
      if (match !== null && req.method === route.method) return reply(res, route.handler({ user, match, query: url.searchParams }));
    }
    reply(res, NOT_FOUND);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes = githubRestRoutes(data, apiBaseUrl);
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    apiBaseUrl,
    requests,
    fail: (next) => void (mode = next),
    revokeToken: (token) => void revoked.add(token),
    rateLimitResetAt: RESET_AT,
  };
}
