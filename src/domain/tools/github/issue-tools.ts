import type { GithubApi, IssueQuery, SearchQuery } from '../../ports/github.js';
import { errorResult, failureResult, jsonResult } from '../../upstream/tool-results.js';
import type { ToolCallResult, ToolDefinition } from '../pack.js';
import { enumArg, intArg, stringArg, type Args } from './args.js';
import { renderIssue, renderPage } from './render.js';
import { PROVIDER } from './repository-tools.js';
import { DEFAULT_PER_PAGE, ISSUE_FILTERS, ISSUE_STATES, listIssuesSchema, SEARCH_RESULT_LIMIT, SEARCH_SORTS, searchIssuesSchema } from './schemas.js';

/** `list_issues` and `search_issues`. @see https://docs.github.com/en/rest/issues/issues, https://docs.github.com/en/rest/search/search */

const READ_ONLY = { readOnlyHint: true, openWorldHint: true } as const;

/** `owner/name` (already matched against the schema's pattern) as its two parts. */
function repositoryOf(value: string | undefined): IssueQuery['repository'] {
  if (value === undefined) return undefined;
  const slash = value.indexOf('/');
  return { owner: value.slice(0, slash), name: value.slice(slash + 1) };
}

export function issueQuery(args: Args): IssueQuery {
  const repository = repositoryOf(stringArg(args, 'repo'));
  return {
    filter: enumArg(args, 'filter', ISSUE_FILTERS, 'assigned'),
    state: enumArg(args, 'state', ISSUE_STATES, 'open'),
    ...(repository === undefined ? {} : { repository }),
    page: intArg(args, 'page', 1),
    perPage: intArg(args, 'per_page', DEFAULT_PER_PAGE),
  };
}

const ORDERS: readonly ('asc' | 'desc')[] = ['asc', 'desc'];

export function searchQuery(args: Args): SearchQuery {
  const sort = SEARCH_SORTS.find((candidate) => candidate === args['sort']);
  return {
    q: stringArg(args, 'q') ?? '',
    ...(sort === undefined ? {} : { sort }),
    order: enumArg(args, 'order', ORDERS, 'desc'),
    page: intArg(args, 'page', 1),
    perPage: intArg(args, 'per_page', DEFAULT_PER_PAGE),
  };
}

export function listIssuesTool(github: GithubApi): ToolDefinition {
  return {
    name: 'list_issues',
    title: 'List my GitHub issues',
    description:
      'Lists GitHub issues (and pull requests, marked pull_request) assigned to or created by the signed-in user, ' +
      'across all their repositories or in one repository, most recently updated first.',
    inputSchema: listIssuesSchema,
    annotations: READ_ONLY,
    handler: async (args, context): Promise<ToolCallResult> => {
      const query = issueQuery(args);
      const result = await github.listIssues({ principal: context.principal, signal: context.signal }, query);
      return result.ok ? jsonResult(renderPage('issues', result.value, query, renderIssue)) : failureResult(result.failure, PROVIDER);
    },
  };
}

export function searchIssuesTool(github: GithubApi): ToolDefinition {
  return {
    name: 'search_issues',
    title: 'Search GitHub issues',
    description:
      'Searches GitHub issues and pull requests with GitHub search syntax (qualifiers such as repo:, is:open, label:, author:, assignee:@me). ' +
      `Returns total_count and one page of results; GitHub serves only the first ${SEARCH_RESULT_LIMIT} results of a query.`,
    inputSchema: searchIssuesSchema,
    annotations: READ_ONLY,
    handler: async (args, context): Promise<ToolCallResult> => {
      const query = searchQuery(args);
      if ((query.page - 1) * query.perPage >= SEARCH_RESULT_LIMIT) {
        return errorResult(`GitHub search serves only the first ${SEARCH_RESULT_LIMIT} results of a query; page ${query.page} with per_page ${query.perPage} starts past them. Narrow the query instead.`);
      }
      const result = await github.searchIssues({ principal: context.principal, signal: context.signal }, query);
      return result.ok ? jsonResult(renderPage('issues', result.value, query, renderIssue)) : failureResult(result.failure, PROVIDER);
    },
  };
}
