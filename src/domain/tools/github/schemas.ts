import type { Affiliation, IssueFilter, IssueState, RepositorySort, RepositoryVisibility, SearchSort } from '../../ports/github.js';
import type { JsonSchemaObject } from '../pack.js';

/**
 * Input schemas of the GitHub tools. The MCP adapter validates arguments against them before a
 * handler runs and answers a bad value with a tool error naming the argument and the rule.
 * Names are constrained to what GitHub allows, which also keeps `.`/`..` and `/` out of API paths.
 */

export const AFFILIATIONS: readonly Affiliation[] = ['owner', 'collaborator', 'organization_member'];
export const VISIBILITIES: readonly RepositoryVisibility[] = ['all', 'public', 'private'];
export const REPOSITORY_SORTS: readonly RepositorySort[] = ['updated', 'pushed', 'created', 'full_name'];
export const ISSUE_FILTERS: readonly IssueFilter[] = ['assigned', 'created'];
export const ISSUE_STATES: readonly IssueState[] = ['open', 'closed', 'all'];
export const SEARCH_SORTS: readonly SearchSort[] = ['comments', 'reactions', 'interactions', 'created', 'updated'];

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;
/** GitHub search returns at most the first 1000 results of a query. @see https://docs.github.com/en/rest/search/search */
export const SEARCH_RESULT_LIMIT = 1000;
/** @see https://docs.github.com/en/rest/search/search#limitations-on-query-length */
export const MAX_QUERY_LENGTH = 256;

const OWNER = '[A-Za-z0-9][A-Za-z0-9_.-]{0,99}';
const REPO = '(?!\\.{1,2}$)[A-Za-z0-9_.-]{1,100}';

const paging = {
  page: { type: 'integer', minimum: 1, maximum: 1000, default: 1, description: 'Page number, starting at 1.' },
  per_page: { type: 'integer', minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE, description: `Results per page (1–${MAX_PER_PAGE}).` },
} as const;

export const listRepositoriesSchema: JsonSchemaObject = {
  type: 'object',
  properties: {
    affiliation: {
      type: 'array',
      items: { type: 'string', enum: [...AFFILIATIONS] },
      minItems: 1,
      uniqueItems: true,
      description: 'Which repositories: ones the user owns, collaborates on, or can reach as an organization member. Default: all three.',
    },
    visibility: { type: 'string', enum: [...VISIBILITIES], default: 'all' },
    sort: { type: 'string', enum: [...REPOSITORY_SORTS], default: 'updated', description: 'Most recent first, except full_name (A–Z).' },
    ...paging,
  },
  additionalProperties: false,
};

export const getRepositorySchema: JsonSchemaObject = {
  type: 'object',
  properties: {
    owner: { type: 'string', pattern: `^${OWNER}$`, description: 'The account or organization that owns the repository, e.g. "octocat".' },
    repo: { type: 'string', pattern: `^${REPO}$`, description: 'The repository name without its owner, e.g. "hello-world".' },
  },
  required: ['owner', 'repo'],
  additionalProperties: false,
};

export const listIssuesSchema: JsonSchemaObject = {
  type: 'object',
  properties: {
    filter: { type: 'string', enum: [...ISSUE_FILTERS], default: 'assigned', description: 'Issues assigned to the user, or created by the user.' },
    state: { type: 'string', enum: [...ISSUE_STATES], default: 'open' },
    repo: { type: 'string', pattern: `^${OWNER}/${REPO}$`, description: 'Only this repository, written "owner/name".' },
    ...paging,
  },
  additionalProperties: false,
};

export const searchIssuesSchema: JsonSchemaObject = {
  type: 'object',
  properties: {
    q: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_QUERY_LENGTH,
      description: 'GitHub search syntax, e.g. "is:issue is:open label:bug repo:octocat/hello-world". Add is:issue or is:pr to choose issues or pull requests.',
    },
    sort: { type: 'string', enum: [...SEARCH_SORTS], description: 'Default: best match.' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    ...paging,
  },
  required: ['q'],
  additionalProperties: false,
};
