import { loadPacks } from '../adapters/mcp/pack-loader.js';
import type { Clock } from '../domain/ports/clock.js';
import type { Logger } from '../domain/ports/logger.js';
import { diagnosticsPack } from '../domain/tools/diagnostics/pack.js';
import type { Pack } from '../domain/tools/pack.js';
import { createUpstreamTokens } from '../domain/upstream/upstream-tokens.js';
import type { Config } from './config.js';
import { packsForProvider } from './identity-packs.js';
import { UPSTREAM_TIMEOUT_MS, type OAuthServer } from './oauth.js';

/** Built-in packs `KEYWAY_PACKS` may name; anything else is loaded as a module path. */
export const BUILTIN_PACKS: Readonly<Record<string, Pack>> = Object.freeze({ diagnostics: diagnosticsPack });

export interface PackDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Closes the MCP sessions of a grant whose upstream tokens turned out revoked. */
  readonly onGrantRevoked: (grantId: string) => void;
}

/**
 * The configured packs plus the identity provider's own tools (`get_user_profile`; GitHub's tools
 * only with GitHub sign-in: a tool the provider cannot serve is not listed).
 */
export async function allPacks(config: Config, oauth: OAuthServer, deps: PackDeps): Promise<Pack[]> {
  const { logger, clock, onGrantRevoked } = deps;
  const upstream = createUpstreamTokens({
    grants: oauth.stores.grants,
    sealer: oauth.sealer,
    clock,
    logger,
    onGrantRevoked,
    ...(oauth.refresher === undefined ? {} : { refresher: oauth.refresher }),
  });
  const configured = await loadPacks(config.packs, BUILTIN_PACKS);
  const identity = packsForProvider(config.identityProvider, {
    upstream,
    logger,
    githubTimeoutMs: UPSTREAM_TIMEOUT_MS,
    ...(config.github === undefined ? {} : { githubApiBaseUrl: config.github.apiBaseUrl }),
  });
  return [...configured, ...identity];
}
