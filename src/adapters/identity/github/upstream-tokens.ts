import { z } from 'zod';
import { DomainError } from '../../../domain/errors.js';

/**
 * The GitHub tokens Keyway seals into a grant (`Identity.upstreamTokens`, as JSON). OAuth App
 * tokens do not expire; GitHub App user tokens expire after 8 hours and come with a refresh token
 * (6 months) that rotates on every use. Times are epoch seconds.
 * @see https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
 */
export interface GithubTokens {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly expires_at?: number;
  readonly refresh_token_expires_at?: number;
  /** Granted scopes (GitHub reports them comma-separated; empty for GitHub Apps). */
  readonly scopes: readonly string[];
}

const schema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_at: z.number().int().optional(),
  refresh_token_expires_at: z.number().int().optional(),
  scopes: z.array(z.string()),
});

export function serializeGithubTokens(tokens: GithubTokens): string {
  return JSON.stringify(tokens);
}

/** Reads sealed tokens back; anything else is a grant Keyway cannot use upstream (`invalid_grant`). */
export function parseGithubTokens(json: string): GithubTokens {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new DomainError('invalid_grant', 'the stored GitHub tokens are not readable');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DomainError('invalid_grant', 'the stored GitHub tokens are not readable');
  const { refresh_token, expires_at, refresh_token_expires_at } = parsed.data;
  return {
    access_token: parsed.data.access_token,
    ...(refresh_token === undefined ? {} : { refresh_token }),
    ...(expires_at === undefined ? {} : { expires_at }),
    ...(refresh_token_expires_at === undefined ? {} : { refresh_token_expires_at }),
    scopes: parsed.data.scopes,
  };
}

/**
 * GitHub lists granted scopes separated by commas (`repo,gist`), not spaces as RFC 6749 §3.3 says;
 * accept either.
 */
export function parseGithubScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(/[,\s]+/).filter((item) => item !== '');
}
