import type { Principal } from '../principal.js';
import type { UpstreamResult } from './upstream.js';

/**
 * GitHub's REST API as the GitHub tools need it, always called with the signed-in user's own
 * token (never a shared one). Values are trimmed to what a model can use; the adapter maps GitHub's
 * JSON into these shapes and its errors into {@link UpstreamResult} failures.
 * @see https://docs.github.com/en/rest
 */

export type Affiliation = 'owner' | 'collaborator' | 'organization_member';
export type RepositoryVisibility = 'all' | 'public' | 'private';
export type RepositorySort = 'created' | 'updated' | 'pushed' | 'full_name';
export type IssueState = 'open' | 'closed' | 'all';
export type IssueFilter = 'assigned' | 'created';
export type SearchSort = 'comments' | 'reactions' | 'interactions' | 'created' | 'updated';

export interface GithubUser {
  /** GitHub's immutable numeric id. */
  readonly id: number;
  readonly login: string;
  readonly name?: string;
  readonly avatarUrl?: string;
  readonly htmlUrl?: string;
  readonly publicRepos?: number;
  readonly followers?: number;
  readonly following?: number;
}

export interface Repository {
  /** `owner/name` */
  readonly fullName: string;
  readonly private: boolean;
  readonly description?: string;
  readonly htmlUrl: string;
  readonly defaultBranch?: string;
  readonly language?: string;
  readonly stars: number;
  readonly forks: number;
  readonly openIssues: number;
  readonly archived: boolean;
  readonly fork: boolean;
  readonly topics: readonly string[];
  readonly pushedAt?: string;
  readonly updatedAt?: string;
  /** The user's strongest permission on it, when GitHub says. */
  readonly permission?: string;
}

export interface Issue {
  /** `owner/name` of the repository it belongs to. */
  readonly repository: string;
  readonly number: number;
  readonly title: string;
  readonly state: string;
  readonly htmlUrl: string;
  readonly author?: string;
  readonly assignees: readonly string[];
  readonly labels: readonly string[];
  readonly comments: number;
  readonly isPullRequest: boolean;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly closedAt?: string;
  /** The start of the body. */
  readonly body?: string;
}

export interface PageRequest {
  /** 1-based. */
  readonly page: number;
  readonly perPage: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when GitHub has a next page (its `Link: rel="next"`). */
  readonly nextPage?: number;
  /** Search only: how many results match in all. */
  readonly totalCount?: number;
  /** Search only: GitHub timed out and the results may be incomplete. */
  readonly incomplete?: boolean;
}

export interface RepositoryQuery extends PageRequest {
  readonly affiliation: readonly Affiliation[];
  readonly visibility: RepositoryVisibility;
  readonly sort: RepositorySort;
}

export interface IssueQuery extends PageRequest {
  readonly filter: IssueFilter;
  readonly state: IssueState;
  /** Only this repository's issues. */
  readonly repository?: { readonly owner: string; readonly name: string };
}

export interface SearchQuery extends PageRequest {
  /** GitHub search syntax. @see https://docs.github.com/en/search-github/searching-on-github/searching-issues-and-pull-requests */
  readonly q: string;
  readonly sort?: SearchSort;
  readonly order?: 'asc' | 'desc';
}

/** Who calls (their grant's upstream token is used) and when to give up. */
export interface GithubCall {
  readonly principal: Principal;
  readonly signal?: AbortSignal;
}

export interface GithubApi {
  getUser(call: GithubCall): Promise<UpstreamResult<GithubUser>>;
  /** `GET /user/repos` */
  listRepositories(call: GithubCall, query: RepositoryQuery): Promise<UpstreamResult<Page<Repository>>>;
  /** `GET /repos/{owner}/{repo}` */
  getRepository(call: GithubCall, owner: string, repo: string): Promise<UpstreamResult<Repository>>;
  /** `GET /issues`, or one repository's issues assigned to or created by the user. */
  listIssues(call: GithubCall, query: IssueQuery): Promise<UpstreamResult<Page<Issue>>>;
  /** `GET /search/issues` */
  searchIssues(call: GithubCall, query: SearchQuery): Promise<UpstreamResult<Page<Issue>>>;
}
