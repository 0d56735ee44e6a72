import type { GithubApi, RepositoryQuery } from '../../ports/github.js';
import { failureResult, jsonResult } from '../../upstream/tool-results.js';
import type { ToolCallResult, ToolDefinition } from '../pack.js';
import { enumArg, enumListArg, intArg, stringArg, type Args } from './args.js';
import { renderPage, renderRepository } from './render.js';
import { AFFILIATIONS, DEFAULT_PER_PAGE, getRepositorySchema, listRepositoriesSchema, REPOSITORY_SORTS, VISIBILITIES } from './schemas.js';

/** `list_repositories` and `get_repository`. @see https://docs.github.com/en/rest/repos/repos */

export const PROVIDER = 'GitHub';
const READ_ONLY = { readOnlyHint: true, openWorldHint: true } as const;

export function repositoryQuery(args: Args): RepositoryQuery {
  return {
    affiliation: enumListArg(args, 'affiliation', AFFILIATIONS, AFFILIATIONS),
    visibility: enumArg(args, 'visibility', VISIBILITIES, 'all'),
    sort: enumArg(args, 'sort', REPOSITORY_SORTS, 'updated'),
    page: intArg(args, 'page', 1),
    perPage: intArg(args, 'per_page', DEFAULT_PER_PAGE),
  };
}

export function listRepositoriesTool(github: GithubApi): ToolDefinition {
  return {
    name: 'list_repositories',
    title: 'List my GitHub repositories',
    description:
      "Lists the signed-in user's GitHub repositories (owned, collaborated on, or reachable through an organization), " +
      'most recently updated first, one page at a time. next_page is present when there are more.',
    inputSchema: listRepositoriesSchema,
    annotations: READ_ONLY,
    handler: async (args, context): Promise<ToolCallResult> => {
      const query = repositoryQuery(args);
      const result = await github.listRepositories({ principal: context.principal, signal: context.signal }, query);
      return result.ok ? jsonResult(renderPage('repositories', result.value, query, renderRepository)) : failureResult(result.failure, PROVIDER);
    },
  };
}

export function getRepositoryTool(github: GithubApi): ToolDefinition {
  return {
    name: 'get_repository',
    title: 'Get a GitHub repository',
    description: 'Returns one GitHub repository the signed-in user can see: description, visibility, default branch, language, counts, topics, permission.',
    inputSchema: getRepositorySchema,
    annotations: READ_ONLY,
    handler: async (args, context): Promise<ToolCallResult> => {
      const owner = stringArg(args, 'owner') ?? '';
      const repo = stringArg(args, 'repo') ?? '';
      const result = await github.getRepository({ principal: context.principal, signal: context.signal }, owner, repo);
      return result.ok ? jsonResult(renderRepository(result.value)) : failureResult(result.failure, PROVIDER);
    },
  };
}
