import type { GithubApi, GithubCall, Issue, IssueQuery, Page, Repository, RepositoryQuery, SearchQuery } from '../../src/domain/ports/github.js';
import type { UpstreamFailure, UpstreamResult } from '../../src/domain/ports/upstream.js';

/**
 * An in-memory {@link GithubApi} for the GitHub pack's unit tests: answers what the test gives it,
 * records every call, and fails on demand.
 */
export interface FakeGithubApi extends GithubApi {
  readonly calls: Array<{ readonly method: string; readonly call: GithubCall; readonly query?: unknown }>;
  repositories: Page<Repository>;
  issues: Page<Issue>;
  /** The next calls fail this way; `undefined` heals. */
  failure: UpstreamFailure | undefined;
}

export function aRepository(overrides: Partial<Repository> = {}): Repository {
  return {
    fullName: 'octo/hello',
    private: false,
    description: 'Hello',
    htmlUrl: 'https://github.com/octo/hello',
    defaultBranch: 'main',
    language: 'TypeScript',
    stars: 1,
    forks: 2,
    openIssues: 3,
    archived: false,
    fork: false,
    topics: [],
    updatedAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function anIssue(overrides: Partial<Issue> = {}): Issue {
  return {
    repository: 'octo/hello',
    number: 1,
    title: 'A bug',
    state: 'open',
    htmlUrl: 'https://github.com/octo/hello/issues/1',
    author: 'octo',
    assignees: [],
    labels: [],
    comments: 0,
    isPullRequest: false,
    ...overrides,
  };
}

export function createFakeGithubApi(): FakeGithubApi {
  const fake: FakeGithubApi = {
    calls: [],
    repositories: { items: [aRepository()] },
    issues: { items: [anIssue()] },
    failure: undefined,
    getUser: async (call) => answer('getUser', call, undefined, { id: 1, login: 'octo' }),
    listRepositories: async (call, query: RepositoryQuery) => answer('listRepositories', call, query, fake.repositories),
    getRepository: async (call, owner, repo) => answer('getRepository', call, { owner, repo }, fake.repositories.items[0] ?? aRepository()),
    listIssues: async (call, query: IssueQuery) => answer('listIssues', call, query, fake.issues),
    searchIssues: async (call, query: SearchQuery) => answer('searchIssues', call, query, fake.issues),
  };
  function answer<T>(method: string, call: GithubCall, query: unknown, value: T): UpstreamResult<T> {
    fake.calls.push({ method, call, ...(query === undefined ? {} : { query }) });
    return fake.failure === undefined ? { ok: true, value } : { ok: false, failure: fake.failure };
  }
  return fake;
}
