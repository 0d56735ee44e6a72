import { z } from 'zod';
import { DomainError } from '../../../domain/errors.js';
import type { ResolvedGithubOptions } from './github-options.js';

/** The signed-in GitHub account: `id` is immutable, `login` can be renamed. */
export interface GithubUser {
  readonly id: number;
  readonly login: string;
}

/**
 * What a membership check found. `restricted`: the organization has OAuth App access restrictions
 * and has not approved this app, so GitHub hides the membership (403). `forbidden`: any other 403
 * (e.g. a token without `read:org`, or a GitHub App without the Members permission).
 */
export type Membership = 'member' | 'not_member' | 'restricted' | 'forbidden';

export interface GithubApi {
  user(token: string, signal: AbortSignal): Promise<GithubUser>;
  /** @see https://docs.github.com/en/rest/orgs/members#check-organization-membership-for-a-user */
  orgMembership(org: string, login: string, token: string, signal: AbortSignal): Promise<Membership>;
  /** @see https://docs.github.com/en/rest/teams/members#get-team-membership-for-a-user */
  teamMembership(team: string, login: string, token: string, signal: AbortSignal): Promise<Membership>;
}

const userSchema = z.object({ id: z.number().int().positive(), login: z.string().min(1).max(100) });
const teamSchema = z.object({ state: z.string() });

/** GitHub's wording for an organization that has not approved the OAuth App. */
const RESTRICTION = /OAuth App access restrictions/i;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('upstream_failed', `GitHub answered ${response.status} with a body that is not JSON`);
  }
}

function unexpected(answer: Answer, what: string): DomainError {
  return new DomainError('upstream_failed', `GitHub answered ${answer.status} to ${what}`);
}

function forbidden(answer: Answer): Membership {
  const message = (answer.body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && RESTRICTION.test(message) ? 'restricted' : 'forbidden';
}

export function createGithubApi(options: ResolvedGithubOptions): GithubApi {
  async function get(path: string, token: string, signal: AbortSignal): Promise<Answer> {
    const response = await options.fetch(`${options.apiBaseUrl}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'keyway',
      },
      // A non-member is redirected to the public-membership check: that already answers "no".
      redirect: 'manual',
      signal,
    });
    return { status: response.status, body: await bodyOf(response) };
  }

  const segment = encodeURIComponent;

  return {
    async user(token, signal) {
      const answer = await get('/user', token, signal);
      if (answer.status !== 200) throw unexpected(answer, 'GET /user');
      const user = userSchema.safeParse(answer.body);
      if (!user.success) throw new DomainError('upstream_failed', 'GitHub’s GET /user answer has no numeric id and login');
      return user.data;
    },
    async orgMembership(org, login, token, signal) {
      const answer = await get(`/orgs/${segment(org)}/members/${segment(login)}`, token, signal);
      if (answer.status === 204) return 'member';
      if (answer.status === 302 || answer.status === 404) return 'not_member';
      if (answer.status === 403) return forbidden(answer);
      throw unexpected(answer, 'the organization membership check');
    },
    async teamMembership(team, login, token, signal) {
      const [org = '', slug = ''] = team.split('/');
      const answer = await get(`/orgs/${segment(org)}/teams/${segment(slug)}/memberships/${segment(login)}`, token, signal);
      if (answer.status === 404) return 'not_member';
      if (answer.status === 403) return forbidden(answer);
      const membership = teamSchema.safeParse(answer.body);
      if (answer.status !== 200 || !membership.success) throw unexpected(answer, 'the team membership check');
      // A pending invitation is not membership yet.
      return membership.data.state === 'active' ? 'member' : 'not_member';
    },
  };
}
