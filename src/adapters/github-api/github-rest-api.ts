import type { GithubApi, GithubCall, GithubUser, Issue, IssueQuery, Page, SearchQuery } from '../../domain/ports/github.js';
import type { Profile, ProfileSource } from '../../domain/ports/profile.js';
import type { UpstreamResult } from '../../domain/ports/upstream.js';
import { createRestClient, type GithubRestOptions, type RestAnswer } from './rest-client.js';
import { listOf, nextPageOf, toIssue, toRepository, toUser } from './wire.js';

/**
 * The GitHub tools' port and GitHub's part of `get_user_profile`, over GitHub's REST API with the
 * signed-in user's own token.
 * @see https://docs.github.com/en/rest
 */
export type GithubRestApi = GithubApi & ProfileSource;
export type { GithubRestOptions } from './rest-client.js';

const unexpected = { ok: false, failure: { kind: 'unavailable', message: 'GitHub answered in an unexpected shape' } } as const;

/** Applies `map` to a successful answer; an answer it cannot read is a failure, not a crash. */
function mapped<T>(result: UpstreamResult<RestAnswer>, map: (answer: RestAnswer) => T | undefined): UpstreamResult<T> {
  if (!result.ok) return result;
  const value = map(result.value);
  return value === undefined ? unexpected : { ok: true, value };
}

function pageOf<T>(answer: RestAnswer, items: T[] | undefined): Page<T> | undefined {
  if (items === undefined) return undefined;
  const nextPage = nextPageOf(answer.headers.get('link'));
  return { items, ...(nextPage === undefined ? {} : { nextPage }) };
}

/** `{ total_count, incomplete_results, items }` @see https://docs.github.com/en/rest/search/search#search-issues-and-pull-requests */
function searchPage(answer: RestAnswer): Page<Issue> | undefined {
  const { json } = answer;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const result = json as Record<string, unknown>;
  const page = pageOf(answer, listOf(result['items'], (item) => toIssue(item)));
  if (page === undefined) return undefined;
  const totalCount = typeof result['total_count'] === 'number' ? result['total_count'] : undefined;
  return { ...page, ...(totalCount === undefined ? {} : { totalCount }), incomplete: result['incomplete_results'] === true };
}

/** A path segment GitHub could hold: never empty, `.`, `..` or containing `/` (the schemas already say so). */
function segment(value: string): string | undefined {
  return value === '' || value === '.' || value === '..' || value.includes('/') ? undefined : encodeURIComponent(value);
}

function repoPath(owner: string, repo: string): string | undefined {
  const o = segment(owner);
  const r = segment(repo);
  return o === undefined || r === undefined ? undefined : `/repos/${o}/${r}`;
}

const badName = (owner: string, repo: string): UpstreamResult<never> => ({ ok: false, failure: { kind: 'invalid', message: `"${owner}/${repo}" is not a repository name` } });

function profileOf(user: GithubUser): Profile {
  return {
    provider: 'github',
    id: user.id,
    login: user.login,
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.avatarUrl === undefined ? {} : { avatar_url: user.avatarUrl }),
    ...(user.htmlUrl === undefined ? {} : { html_url: user.htmlUrl }),
    ...(user.publicRepos === undefined ? {} : { public_repos: user.publicRepos }),
    ...(user.followers === undefined ? {} : { followers: user.followers }),
    ...(user.following === undefined ? {} : { following: user.following }),
  };
}

export function createGithubRestApi(options: GithubRestOptions): GithubRestApi {
  const get = createRestClient(options);
  const getUser = async (call: GithubCall): Promise<UpstreamResult<GithubUser>> => mapped(await get(call, '/user'), (a) => toUser(a.json));
  const paging = (q: { page: number; perPage: number }) => ({ per_page: q.perPage, page: q.page });

  /** One repository's issues assigned to or created by the user: that endpoint wants their login. */
  async function repositoryIssues(call: GithubCall, query: IssueQuery, owner: string, name: string): Promise<UpstreamResult<Page<Issue>>> {
    const path = repoPath(owner, name);
    if (path === undefined) return badName(owner, name);
    const user = await getUser(call);
    if (!user.ok) return user;
    const who = query.filter === 'assigned' ? { assignee: user.value.login } : { creator: user.value.login };
    const answer = await get(call, `${path}/issues`, { ...who, state: query.state, sort: 'updated', direction: 'desc', ...paging(query) }, `repository ${owner}/${name}`);
    return mapped(answer, (a) => pageOf(a, listOf(a.json, (item) => toIssue(item, `${owner}/${name}`))));
  }

  return {
    providerName: 'GitHub',
    getUser,
    profileFor: async (principal, signal) => mapped(await get({ principal, ...(signal === undefined ? {} : { signal }) }, '/user'), (a) => {
      const user = toUser(a.json);
      return user === undefined ? undefined : profileOf(user);
    }),
    async listRepositories(call, query) {
      const direction = query.sort === 'full_name' ? 'asc' : 'desc';
      const answer = await get(call, '/user/repos', { affiliation: query.affiliation.join(','), visibility: query.visibility, sort: query.sort, direction, ...paging(query) });
      return mapped(answer, (a) => pageOf(a, listOf(a.json, toRepository)));
    },
    async getRepository(call, owner, repo) {
      const path = repoPath(owner, repo);
      if (path === undefined) return badName(owner, repo);
      return mapped(await get(call, path, {}, `repository ${owner}/${repo} that the user can see`), (a) => toRepository(a.json));
    },
    async listIssues(call, query) {
      if (query.repository !== undefined) return repositoryIssues(call, query, query.repository.owner, query.repository.name);
      const answer = await get(call, '/issues', { filter: query.filter, state: query.state, sort: 'updated', direction: 'desc', ...paging(query) });
      return mapped(answer, (a) => pageOf(a, listOf(a.json, (item) => toIssue(item))));
    },
    async searchIssues(call: GithubCall, query: SearchQuery) {
      const answer = await get(call, '/search/issues', { q: query.q, sort: query.sort, order: query.sort === undefined ? undefined : query.order, ...paging(query) });
      return mapped(answer, searchPage);
    },
  };
}
