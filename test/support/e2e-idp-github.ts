import type { TestContext } from 'node:test';
import { startFakeGithub, type FakeGithub, type FakeGithubOptions } from './fake-github.js';
import { githubRestRoutes, type RestData } from './fake-github-rest.js';
import { startKeyway, type StartedKeyway } from './keyway.js';
import type { UpstreamLogin } from './oauth-flow.js';

/**
 * The GitHub end-to-end world: the fake GitHub (OAuth web flow and REST API, the GitHub tools'
 * routes mounted on it) and a Keyway configured with nothing but `KEYWAY_IDP=github` and the
 * provider's settings.
 */
export interface GithubKeyway {
  readonly github: FakeGithub;
  readonly keyway: StartedKeyway;
  /** The person at GitHub: clicks Authorize as the given login; returns Keyway's callback URL. */
  readonly atGithub: UpstreamLogin;
}

/** What the fake's alice (GitHub id 1001) can see, and what she cannot. */
export const E2E_REST_DATA: RestData = {
  users: [
    { id: 1001, login: 'alice', name: 'Alice' },
    { id: 1002, login: 'bob', name: 'Bob' },
  ],
  repos: [
    { owner: 'alice', name: 'wonderland', description: 'Down the rabbit hole', language: 'TypeScript' },
    { owner: 'alice', name: 'diary', private: true },
    { owner: 'bob', name: 'tools', collaborators: ['alice'] },
    { owner: 'bob', name: 'secret', private: true },
    { owner: 'acme', name: 'platform', private: true, members: ['alice', 'bob'] },
  ],
  issues: [
    { repo: 'alice/wonderland', number: 1, title: 'Follow the white rabbit', state: 'open', author: 'bob', assignees: ['alice'], labels: ['bug'] },
    { repo: 'alice/wonderland', number: 2, title: 'Tea party', state: 'closed', author: 'alice', assignees: ['alice'] },
    { repo: 'bob/tools', number: 3, title: 'Hammer the nails', state: 'open', author: 'alice', assignees: ['bob'] },
    { repo: 'acme/platform', number: 4, title: 'Ship the rabbit feature', state: 'open', author: 'bob', assignees: ['alice'], pullRequest: true },
    { repo: 'bob/secret', number: 5, title: 'Hidden rabbit', state: 'open', author: 'bob', assignees: ['bob'] },
  ],
};

/** The fake GitHub serving the GitHub tools' REST routes over `data`. */
export async function startGithubWithRest(t: TestContext, options: FakeGithubOptions = {}, data: RestData = E2E_REST_DATA): Promise<FakeGithub> {
  const github = await startFakeGithub(t, options);
  for (const route of githubRestRoutes(data, github.apiBaseUrl)) github.route(route.method, route.path, (request) => route.handler(request));
  return github;
}

/** The person at GitHub, already signed in there, clicking Authorize; `webBaseUrl` is where Keyway sends them. */
export function githubLogin(github: FakeGithub, keywayOrigin: string, webBaseUrl: string = github.webBaseUrl): UpstreamLogin {
  return async (redirectTo, login) => {
    if (!redirectTo.startsWith(webBaseUrl)) throw new Error(`Keyway sent the browser to ${redirectTo}, not to GitHub at ${webBaseUrl}`);
    const back = new URL('/callback', keywayOrigin);
    for (const [name, value] of Object.entries(await github.signIn(redirectTo, login))) back.searchParams.set(name, value);
    return back.href;
  };
}

/**
 * Keyway with `KEYWAY_IDP=github` against `github`. `webBaseUrl` replaces GitHub's web address
 * (a proxy in front of the fake); the API is always the fake's own.
 */
export async function startGithubKeyway(t: TestContext, github: FakeGithub, webBaseUrl: string = github.webBaseUrl): Promise<GithubKeyway> {
  const keyway = await startKeyway(t, {
    KEYWAY_IDP: 'github',
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_WEB_URL: webBaseUrl,
    GITHUB_API_URL: github.apiBaseUrl,
  });
  return { github, keyway, atGithub: githubLogin(github, keyway.origin, webBaseUrl) };
}
