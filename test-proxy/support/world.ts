import type { TestContext } from 'node:test';
import { githubLogin, startGithubWithRest } from '../../test/support/e2e-idp-github.js';
import type { FakeGithub } from '../../test/support/fake-github.js';
import { freePort, startKeyway, type StartedKeyway } from '../../test/support/keyway.js';
import { startNginx, type NginxOptions, type RunningNginx } from '../../test/support/nginx.js';
import type { UpstreamLogin } from '../../test/support/oauth-flow.js';

/**
 * Keyway as people run it: behind a throw-away nginx with TLS, its public URL nginx's
 * `https://localhost:<port>` and nginx its one trusted proxy. Both stop after the test.
 */
export interface NginxWorld {
  /** `https://localhost:<port>`: nginx, and Keyway's public URL. */
  readonly origin: string;
  readonly nginx: RunningNginx;
  readonly keyway: StartedKeyway;
  /** `fetch` trusting the throw-away CA (`nginx.fetch`). */
  readonly https: typeof fetch;
}

export interface NginxWorldOptions {
  /** Keyway's settings on top of the ones that put it behind nginx (and may replace them). */
  readonly env?: Record<string, string>;
  readonly nginx?: Omit<NginxOptions, 'upstream'>;
}

/** The world with the local sign-in (Keyway's default identity provider). */
export async function startKeywayBehindNginx(t: TestContext, options: NginxWorldOptions = {}): Promise<NginxWorld> {
  const keywayPort = await freePort();
  const nginx = await startNginx(t, { upstream: `http://127.0.0.1:${keywayPort}`, ...options.nginx });
  const keyway = await startKeyway(t, {
    KEYWAY_PORT: String(keywayPort),
    KEYWAY_PUBLIC_URL: nginx.origin,
    KEYWAY_TRUST_PROXY: '127.0.0.1',
    ...options.env,
  });
  return { origin: nginx.origin, nginx, keyway, https: nginx.fetch };
}

export interface GithubNginxWorld extends NginxWorld {
  /** The fake GitHub (OAuth web flow and REST API) people sign in at. */
  readonly github: FakeGithub;
  /** The person at GitHub, sent back to Keyway's public origin. */
  readonly atGithub: UpstreamLogin;
}

/** The world signing people in at the fake GitHub (`KEYWAY_IDP=github`). */
export async function startGithubBehindNginx(t: TestContext, options: NginxWorldOptions = {}): Promise<GithubNginxWorld> {
  const github = await startGithubWithRest(t);
  const world = await startKeywayBehindNginx(t, {
    nginx: options.nginx,
    env: {
      KEYWAY_IDP: 'github',
      GITHUB_CLIENT_ID: github.clientId,
      GITHUB_CLIENT_SECRET: github.clientSecret,
      GITHUB_WEB_URL: github.webBaseUrl,
      GITHUB_API_URL: github.apiBaseUrl,
      ...options.env,
    },
  });
  return { ...world, github, atGithub: githubLogin(github, world.origin) };
}
