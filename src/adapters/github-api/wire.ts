import type { GithubUser, Issue, Repository } from '../../domain/ports/github.js';

/**
 * GitHub's REST JSON into the port's shapes, read defensively: an item missing what identifies it
 * is dropped rather than passed on half-formed.
 * @see https://docs.github.com/en/rest/users/users, …/repos/repos, …/issues/issues
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (json: Json, key: string): string | undefined => (typeof json[key] === 'string' && json[key] !== '' ? json[key] : undefined);
const count = (json: Json, key: string): number => (typeof json[key] === 'number' ? json[key] : 0);
const optionalCount = (json: Json, key: string): number | undefined => (typeof json[key] === 'number' ? json[key] : undefined);

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function toUser(json: unknown): GithubUser | undefined {
  if (!isObject(json) || typeof json['id'] !== 'number') return undefined;
  const login = str(json, 'login');
  if (login === undefined) return undefined;
  return {
    id: json['id'],
    login,
    ...optional('name', str(json, 'name')),
    ...optional('avatarUrl', str(json, 'avatar_url')),
    ...optional('htmlUrl', str(json, 'html_url')),
    ...optional('publicRepos', optionalCount(json, 'public_repos')),
    ...optional('followers', optionalCount(json, 'followers')),
    ...optional('following', optionalCount(json, 'following')),
  };
}

/** The strongest permission GitHub reports the user holding. */
function permissionOf(json: Json): string | undefined {
  const permissions = json['permissions'];
  if (!isObject(permissions)) return undefined;
  return ['admin', 'maintain', 'push', 'triage', 'pull'].find((name) => permissions[name] === true);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

export function toRepository(json: unknown): Repository | undefined {
  if (!isObject(json)) return undefined;
  const fullName = str(json, 'full_name');
  const htmlUrl = str(json, 'html_url');
  if (fullName === undefined || htmlUrl === undefined) return undefined;
  return {
    fullName,
    private: json['private'] === true,
    ...optional('description', str(json, 'description')),
    htmlUrl,
    ...optional('defaultBranch', str(json, 'default_branch')),
    ...optional('language', str(json, 'language')),
    stars: count(json, 'stargazers_count'),
    forks: count(json, 'forks_count'),
    openIssues: count(json, 'open_issues_count'),
    archived: json['archived'] === true,
    fork: json['fork'] === true,
    topics: strings(json['topics']),
    ...optional('pushedAt', str(json, 'pushed_at')),
    ...optional('updatedAt', str(json, 'updated_at')),
    ...optional('permission', permissionOf(json)),
  };
}

/** `owner/name` from the embedded repository, or from `repository_url` (search results carry only that). */
function repositoryName(json: Json, fallback: string | undefined): string | undefined {
  const embedded = json['repository'];
  if (isObject(embedded) && typeof embedded['full_name'] === 'string') return embedded['full_name'];
  const match = /\/repos\/([^/]+\/[^/]+)$/.exec(str(json, 'repository_url') ?? '');
  return match?.[1] ?? fallback;
}

const logins = (value: unknown): string[] => (Array.isArray(value) ? value.flatMap((item) => (isObject(item) && typeof item['login'] === 'string' ? [item['login']] : [])) : []);
const labelNames = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap((item) => (typeof item === 'string' ? [item] : isObject(item) && typeof item['name'] === 'string' ? [item['name']] : [])) : [];

export function toIssue(json: unknown, repository?: string): Issue | undefined {
  if (!isObject(json) || typeof json['number'] !== 'number') return undefined;
  const repo = repositoryName(json, repository);
  const htmlUrl = str(json, 'html_url');
  if (repo === undefined || htmlUrl === undefined) return undefined;
  const user = json['user'];
  return {
    repository: repo,
    number: json['number'],
    title: str(json, 'title') ?? '',
    state: str(json, 'state') ?? 'unknown',
    htmlUrl,
    ...optional('author', isObject(user) && typeof user['login'] === 'string' ? user['login'] : undefined),
    assignees: logins(json['assignees']),
    labels: labelNames(json['labels']),
    comments: count(json, 'comments'),
    isPullRequest: isObject(json['pull_request']),
    ...optional('createdAt', str(json, 'created_at')),
    ...optional('updatedAt', str(json, 'updated_at')),
    ...optional('closedAt', str(json, 'closed_at')),
    ...optional('body', str(json, 'body')),
  };
}

/** Maps every element of a JSON array, dropping those that do not map. */
export function listOf<T>(json: unknown, map: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(json)) return undefined;
  return json.flatMap((item) => {
    const mapped = map(item);
    return mapped === undefined ? [] : [mapped];
  });
}

/**
 * The page number of `Link: <…?page=3>; rel="next"`.
 * @see https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
export function nextPageOf(link: string | null): number | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="([^"]*)"/.exec(part);
    if (match?.[1] === undefined || !(match[2] ?? '').split(/\s+/).includes('next')) continue;
    const page = URL.canParse(match[1]) ? Number(new URL(match[1]).searchParams.get('page')) : NaN;
    return Number.isInteger(page) && page > 0 ? page : undefined;
  }
  return undefined;
}
