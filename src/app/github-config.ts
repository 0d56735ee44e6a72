import { z } from 'zod';
import { ConfigError } from './config-error.js';

/**
 * The settings of sign-in with GitHub (`KEYWAY_IDP=github`), parsed from the environment. A missing
 * or bad value stops start-up with one line naming the variable, where to get it, and the exact
 * callback URL to register in the OAuth App.
 */
export interface GithubSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly scopes: readonly string[];
  readonly allowedUsers: readonly string[];
  readonly allowedOrgs: readonly string[];
  readonly allowedTeams: readonly string[];
  /** `<KEYWAY_PUBLIC_URL>/callback`: the OAuth App's Authorization callback URL. */
  readonly callbackUrl: string;
}

const WHERE = 'GitHub → Settings → Developer settings → OAuth Apps';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** GitHub logins and organization names: letters, digits and single inner hyphens, up to 39. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
const TEAM = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?\/[A-Za-z0-9._-]{1,100}$/;

/** Built when the settings are read, so a deployment without GitHub sign-in never pays for it at start-up. */
function settingsSchema() {
  const list = z.string().transform((value) => value.split(/[\s,]+/).filter((item) => item !== ''));
  const baseUrl = z
    .string()
    .url()
    .transform((value) => new URL(value))
    .refine((url) => url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)), 'must be an https URL')
    .refine((url) => url.search === '' && url.hash === '' && url.username === '', 'must not carry a query, fragment or credentials')
    .transform((url) => url.href.replace(/\/+$/, ''));

  return z.object({
    GITHUB_CLIENT_ID: z.string().min(1).optional(),
    GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    GITHUB_WEB_URL: baseUrl.default('https://github.com'),
    GITHUB_API_URL: baseUrl.optional(),
    GITHUB_SCOPES: list.pipe(z.array(z.string().regex(/^[a-z0-9:_]+$/, 'scopes look like read:user, read:org, repo'))).optional(),
    GITHUB_ALLOWED_USERS: list.pipe(z.array(z.string().regex(/^(?:[0-9]+|[A-Za-z0-9-]{1,39})$/, 'list GitHub logins or numeric user ids'))).default([]),
    GITHUB_ALLOWED_ORGS: list.pipe(z.array(z.string().regex(LOGIN, 'list organization names like acme'))).default([]),
    GITHUB_ALLOWED_TEAMS: list.pipe(z.array(z.string().regex(TEAM, 'list teams as org/team-slug, e.g. acme/platform'))).default([]),
  });
}

function fixFor(variable: string, callbackUrl: string): string {
  switch (variable) {
    case 'GITHUB_CLIENT_ID':
      return `create an OAuth App at ${WHERE} with the Authorization callback URL ${callbackUrl}, then copy its Client ID`;
    case 'GITHUB_CLIENT_SECRET':
      return `generate a client secret on your OAuth App's page at ${WHERE} (Authorization callback URL: ${callbackUrl})`;
    case 'GITHUB_WEB_URL':
    case 'GITHUB_API_URL':
      return 'leave it unset for github.com; for GitHub Enterprise Server use e.g. https://github.example.com (the API defaults to <web>/api/v3)';
    default:
      return 'see the configuration table in README.md';
  }
}

function fail(variable: string, problem: string, callbackUrl: string): never {
  throw new ConfigError(`${variable}: ${problem} (${fixFor(variable, callbackUrl)})`);
}

/** github.com's API has its own host; GitHub Enterprise Server serves it under `/api/v3`. */
function defaultApiUrl(webBaseUrl: string): string {
  return webBaseUrl === 'https://github.com' ? 'https://api.github.com' : `${webBaseUrl}/api/v3`;
}

/**
 * Reads the GitHub settings from `env`. Throws {@link ConfigError} with one line naming the variable.
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/creating-an-oauth-app
 */
export function loadGithubSettings(env: Readonly<Record<string, string | undefined>>, publicUrl: URL): GithubSettings {
  const callbackUrl = new URL('/callback', publicUrl).href;
  const present = Object.fromEntries(Object.entries(env).filter(([name, value]) => name.startsWith('GITHUB_') && value !== undefined && value.trim() !== ''));
  const parsed = settingsSchema().safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(String(issue?.path[0] ?? 'GITHUB_CLIENT_ID'), issue?.message ?? 'invalid', callbackUrl);
  }
  const values = parsed.data;
  if (values.GITHUB_CLIENT_ID === undefined) fail('GITHUB_CLIENT_ID', 'missing, and KEYWAY_IDP=github needs it', callbackUrl);
  if (values.GITHUB_CLIENT_SECRET === undefined) fail('GITHUB_CLIENT_SECRET', 'missing, and KEYWAY_IDP=github needs it', callbackUrl);
  const checksMembership = values.GITHUB_ALLOWED_ORGS.length + values.GITHUB_ALLOWED_TEAMS.length > 0;
  return Object.freeze({
    clientId: values.GITHUB_CLIENT_ID,
    clientSecret: values.GITHUB_CLIENT_SECRET,
    webBaseUrl: values.GITHUB_WEB_URL,
    apiBaseUrl: values.GITHUB_API_URL ?? defaultApiUrl(values.GITHUB_WEB_URL),
    // Private organization and team membership is visible to an OAuth App only with read:org.
    scopes: Object.freeze(values.GITHUB_SCOPES ?? (checksMembership ? ['read:user', 'read:org'] : ['read:user'])),
    allowedUsers: Object.freeze(values.GITHUB_ALLOWED_USERS),
    allowedOrgs: Object.freeze(values.GITHUB_ALLOWED_ORGS),
    allowedTeams: Object.freeze(values.GITHUB_ALLOWED_TEAMS),
    callbackUrl,
  });
}
