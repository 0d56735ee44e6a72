import { createGithubRestApi } from '../adapters/github-api/github-rest-api.js';
import type { Logger } from '../domain/ports/logger.js';
import type { UpstreamTokens } from '../domain/ports/upstream.js';
import { createGithubPack } from '../domain/tools/github/pack.js';
import type { Pack } from '../domain/tools/pack.js';
import { createProfilePack } from '../domain/tools/profile/pack.js';
import { createClaimsProfileSource, createLocalProfileSource } from '../domain/tools/profile/sources.js';

/**
 * The built-in packs that use the signed-in identity, for the configured provider. Tools a
 * provider cannot serve are not listed: only GitHub sign-ins get the GitHub tools.
 */
export type IdentityProviderKind = 'local' | 'github' | 'oidc';

export interface IdentityPackDeps {
  /** The signed-in user's upstream tokens (GitHub API calls, OpenID Connect claims). */
  readonly upstream: UpstreamTokens;
  /** GitHub's REST API: `https://api.github.com` (the default) or `https://<host>/api/v3` (Enterprise Server). */
  readonly githubApiBaseUrl?: string;
  /** Time allowed for one GitHub API request (default 10 s, what hosted clients wait for a tool). */
  readonly githubTimeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

const GITHUB_API = 'https://api.github.com';
const GITHUB_TIMEOUT_MS = 10_000;

export function packsForProvider(provider: IdentityProviderKind, deps: IdentityPackDeps): Pack[] {
  switch (provider) {
    case 'local':
      return [createProfilePack({ profiles: createLocalProfileSource() })];
    case 'oidc':
      return [createProfilePack({ profiles: createClaimsProfileSource(deps.upstream) })];
    case 'github': {
      const github = createGithubRestApi({
        apiBaseUrl: deps.githubApiBaseUrl ?? GITHUB_API,
        upstream: deps.upstream,
        timeoutMs: deps.githubTimeoutMs ?? GITHUB_TIMEOUT_MS,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
        ...(deps.logger === undefined ? {} : { logger: deps.logger }),
      });
      return [createProfilePack({ profiles: github }), createGithubPack({ github })];
    }
  }
}
