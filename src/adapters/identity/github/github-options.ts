import type { Clock } from '../../../domain/ports/clock.js';
import type { Logger } from '../../../domain/ports/logger.js';

/** How Keyway signs users in with GitHub (github.com or GitHub Enterprise Server). */
export interface GithubOptions {
  /** The OAuth App's (or GitHub App's) client ID. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where browsers sign in; default `https://github.com`. */
  readonly webBaseUrl?: string;
  /** The REST API; default `https://api.github.com` (GitHub Enterprise Server: `<web>/api/v3`). */
  readonly apiBaseUrl?: string;
  /** OAuth App scopes to ask for; default `read:user`. GitHub Apps ignore scopes. */
  readonly scopes?: readonly string[];
  /** Logins (case-insensitive) or numeric user ids that may sign in. */
  readonly allowedUsers?: readonly string[];
  /** Organizations whose members may sign in. */
  readonly allowedOrgs?: readonly string[];
  /** Teams, as `org/team-slug`, whose active members may sign in. */
  readonly allowedTeams?: readonly string[];
  /** The whole back-channel exchange of one sign-in (or one refresh) ends within this; default 8000. */
  readonly timeoutMs?: number;
  /** Outbound fetch (tests point it at a fake GitHub); default the global fetch. */
  readonly fetch?: typeof fetch;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ResolvedGithubOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webBaseUrl: URL;
  readonly apiBaseUrl: string;
  readonly scopes: readonly string[];
  readonly allowedUsers: readonly string[];
  readonly allowedOrgs: readonly string[];
  readonly allowedTeams: readonly string[];
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly logger: Logger;
}

export const GITHUB_WEB_URL = 'https://github.com';
export const GITHUB_API_URL = 'https://api.github.com';
export const DEFAULT_GITHUB_SCOPES: readonly string[] = ['read:user'];
export const DEFAULT_GITHUB_TIMEOUT_MS = 8000;

/** A URL without its trailing slash, so paths can be appended (`/api/v3` + `/user`). */
const trimmed = (url: string): string => url.replace(/\/+$/, '');

export function resolveGithubOptions(options: GithubOptions): ResolvedGithubOptions {
  return {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    webBaseUrl: new URL(`${trimmed(options.webBaseUrl ?? GITHUB_WEB_URL)}/`),
    apiBaseUrl: trimmed(options.apiBaseUrl ?? GITHUB_API_URL),
    scopes: options.scopes ?? DEFAULT_GITHUB_SCOPES,
    allowedUsers: options.allowedUsers ?? [],
    allowedOrgs: options.allowedOrgs ?? [],
    allowedTeams: options.allowedTeams ?? [],
    timeoutMs: options.timeoutMs ?? DEFAULT_GITHUB_TIMEOUT_MS,
    fetch: options.fetch ?? globalThis.fetch,
    clock: options.clock,
    logger: options.logger,
  };
}
