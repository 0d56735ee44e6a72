import type { GithubApi } from '../../ports/github.js';
import type { Pack } from '../pack.js';
import { listIssuesTool, searchIssuesTool } from './issue-tools.js';
import { getRepositoryTool, listRepositoriesTool } from './repository-tools.js';

/**
 * The `github` pack: the signed-in user's repositories and issues, read with their own GitHub
 * token. Listed only when users sign in with GitHub (a provider that cannot serve it lists none).
 * Results are compact and size-capped; rate limits, missing permissions and ended sign-ins come
 * back as tool errors that say what to do.
 */
export interface GithubPackDeps {
  readonly github: GithubApi;
}

export function createGithubPack(deps: GithubPackDeps): Pack {
  const { github } = deps;
  return { name: 'github', tools: [listRepositoriesTool(github), getRepositoryTool(github), listIssuesTool(github), searchIssuesTool(github)] };
}
