import type { Issue, Page, PageRequest, Repository } from '../../ports/github.js';

/**
 * GitHub values as the tools return them: GitHub's own field names (which models know), only the
 * useful fields, long text clipped, and whole results kept under a size budget.
 */

/**
 * Hosted clients refuse tool results over about 150 000 characters, and a result carries its JSON
 * twice (text and structured content), so one copy gets well under half of that.
 */
export const MAX_RESULT_CHARS = 60_000;

const MAX_TITLE = 300;
const MAX_DESCRIPTION = 300;
const MAX_BODY = 500;
const MAX_NAMES = 20;

type Json = Record<string, unknown>;

/** Clips to `max` characters with an ellipsis, never splitting a surrogate pair. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

const optional = (name: string, value: unknown): Json => (value === undefined ? {} : { [name]: value });
const flag = (name: string, value: boolean): Json => (value ? { [name]: true } : {});
const names = (name: string, values: readonly string[]): Json => (values.length === 0 ? {} : { [name]: values.slice(0, MAX_NAMES).map((v) => clip(v, 100)) });

export function renderRepository(repository: Repository): Json {
  return {
    full_name: repository.fullName,
    private: repository.private,
    ...optional('description', repository.description === undefined ? undefined : clip(repository.description, MAX_DESCRIPTION)),
    html_url: repository.htmlUrl,
    ...optional('default_branch', repository.defaultBranch),
    ...optional('language', repository.language),
    stargazers_count: repository.stars,
    forks_count: repository.forks,
    open_issues_count: repository.openIssues,
    ...flag('archived', repository.archived),
    ...flag('fork', repository.fork),
    ...names('topics', repository.topics),
    ...optional('pushed_at', repository.pushedAt),
    ...optional('updated_at', repository.updatedAt),
    ...optional('permission', repository.permission),
  };
}

export function renderIssue(issue: Issue): Json {
  return {
    repository: issue.repository,
    number: issue.number,
    title: clip(issue.title, MAX_TITLE),
    state: issue.state,
    ...flag('pull_request', issue.isPullRequest),
    html_url: issue.htmlUrl,
    ...optional('author', issue.author),
    ...names('assignees', issue.assignees),
    ...names('labels', issue.labels),
    comments: issue.comments,
    ...optional('created_at', issue.createdAt),
    ...optional('updated_at', issue.updatedAt),
    ...optional('closed_at', issue.closedAt),
    ...optional('body_excerpt', issue.body === undefined || issue.body === '' ? undefined : clip(issue.body, MAX_BODY)),
  };
}

function pageFields<T>(page: Page<T>, request: PageRequest): Json {
  return {
    page: request.page,
    per_page: request.perPage,
    ...optional('next_page', page.nextPage),
    ...optional('total_count', page.totalCount),
    ...(page.incomplete === true ? { incomplete_results: true } : {}),
  };
}

function truncationNote(shown: number, total: number, key: string): Json {
  return {
    truncated: true,
    note: `Only the first ${shown} of the ${total} ${key} on this page are shown, to keep the result under the size limit. Ask again with a smaller per_page to see the rest.`,
  };
}

/**
 * A page of results as JSON under {@link MAX_RESULT_CHARS}: when the whole page does not fit, the
 * longest prefix that fits (found by bisection), marked `truncated` with a note saying so.
 */
export function renderPage<T>(key: string, page: Page<T>, request: PageRequest, render: (item: T) => Json, max = MAX_RESULT_CHARS): Json {
  const items = page.items.map(render);
  const meta = pageFields(page, request);
  const shape = (shown: number): Json => ({
    [key]: items.slice(0, shown),
    ...meta,
    ...(shown < items.length ? truncationNote(shown, items.length, key) : {}),
  });
  const fits = (shown: number): boolean => JSON.stringify(shape(shown)).length <= max;
  if (fits(items.length)) return shape(items.length);
  let low = 0;
  let high = items.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return shape(low);
}
