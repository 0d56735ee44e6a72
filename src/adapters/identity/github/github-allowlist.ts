import { DomainError } from '../../../domain/errors.js';
import type { GithubApi, GithubUser, Membership } from './github-api.js';
import type { ResolvedGithubOptions } from './github-options.js';

/**
 * Who may sign in: when any allowlist is set, a user passes by being listed (login or numeric id),
 * by membership of a listed organization, or by active membership of a listed team — checked with
 * the user's own token at sign-in. No allowlist: every GitHub user may sign in.
 */
export interface AllowlistCheck {
  readonly api: GithubApi;
  readonly user: GithubUser;
  readonly token: string;
  readonly signal: AbortSignal;
}

/** Organizations whose membership GitHub hid from us, by reason. */
interface Hidden {
  readonly restricted: string[];
  readonly forbidden: string[];
}

const orgOf = (team: string): string => team.split('/')[0] ?? team;

export function hasAllowlist(options: ResolvedGithubOptions): boolean {
  return options.allowedUsers.length + options.allowedOrgs.length + options.allowedTeams.length > 0;
}

function listed(options: ResolvedGithubOptions, user: GithubUser): boolean {
  const login = user.login.toLowerCase();
  return options.allowedUsers.some((entry) => entry.toLowerCase() === login || entry === String(user.id));
}

/** Checks `names` one by one (each is a round trip) until one says `member`. */
async function anyMember(names: readonly string[], check: (name: string) => Promise<Membership>, hidden: Hidden, orgName: (name: string) => string): Promise<boolean> {
  for (const name of names) {
    const membership = await check(name);
    if (membership === 'member') return true;
    if (membership === 'restricted') hidden.restricted.push(orgName(name));
    if (membership === 'forbidden') hidden.forbidden.push(orgName(name));
  }
  return false;
}

const unique = (names: readonly string[]): string[] => [...new Set(names)];

function refusal(options: ResolvedGithubOptions, user: GithubUser, hidden: Hidden): DomainError {
  const parts = [`The GitHub account @${user.login} may not sign in to this server: it admits only selected users, organizations or teams.`];
  const restricted = unique(hidden.restricted);
  if (restricted.length > 0) {
    const approval = new URL(`settings/connections/applications/${encodeURIComponent(options.clientId)}`, options.webBaseUrl).href;
    parts.push(
      `GitHub did not reveal your membership in ${restricted.join(', ')}: the organization has not approved this OAuth App. Ask an owner to approve it (organization settings → Third-party access → OAuth app policy), or request approval at ${approval}, then sign in again.`,
    );
  }
  const forbidden = unique(hidden.forbidden).filter((org) => !restricted.includes(org));
  if (forbidden.length > 0) {
    parts.push(`GitHub refused to show membership in ${forbidden.join(', ')} to this app (an OAuth App needs the read:org scope; a GitHub App needs the Members permission).`);
  }
  return new DomainError('login_refused', parts.join(' '));
}

/** Throws `login_refused` with a message a person can act on when `user` may not sign in. */
export async function checkAllowlist(options: ResolvedGithubOptions, input: AllowlistCheck): Promise<void> {
  if (!hasAllowlist(options) || listed(options, input.user)) return;
  const { api, user, token, signal } = input;
  const hidden: Hidden = { restricted: [], forbidden: [] };
  const identity = (name: string): string => name;
  if (await anyMember(options.allowedOrgs, (org) => api.orgMembership(org, user.login, token, signal), hidden, identity)) return;
  if (await anyMember(options.allowedTeams, (team) => api.teamMembership(team, user.login, token, signal), hidden, orgOf)) return;
  options.logger.warn('github.login_refused', { githubId: user.id, login: user.login, restrictedOrgs: unique(hidden.restricted) });
  throw refusal(options, user, hidden);
}
