import type { TestContext } from 'node:test';
import { githubLogin, startGithubWithRest } from '../../test/support/e2e-idp-github.js';
import { freePort, startKeyway, type StartedKeyway } from '../../test/support/keyway.js';
import { startNginx, type RunningNginx } from '../../test/support/nginx.js';
import type { ReplayTarget } from '../../test/support/profile-replay.js';

/**
 * One Keyway behind one nginx with TLS, signing people in at the fake GitHub: shared by every
 * profile replayed in a test file (each file starts its own, with the settings it needs).
 */
export interface ProfileWorld {
  /** `https://localhost:<port>`: nginx, and Keyway's public URL. */
  readonly origin: string;
  readonly nginx: RunningNginx;
  readonly keyway: StartedKeyway;
  /** Where a replay connects, as `userName`, to the URL ending in `path` (through `nginx.fetch`, which trusts the throw-away CA). */
  target(userName: string, path?: '/mcp' | '/sse'): ReplayTarget;
}

export async function startProfileWorld(t: TestContext, env: Record<string, string> = {}): Promise<ProfileWorld> {
  const github = await startGithubWithRest(t);
  const keywayPort = await freePort();
  const nginx = await startNginx(t, { upstream: `http://127.0.0.1:${keywayPort}` });
  const keyway = await startKeyway(t, {
    KEYWAY_PORT: String(keywayPort),
    KEYWAY_PUBLIC_URL: nginx.origin,
    KEYWAY_TRUST_PROXY: '127.0.0.1',
    KEYWAY_IDP: 'github',
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_WEB_URL: github.webBaseUrl,
    GITHUB_API_URL: github.apiBaseUrl,
    ...env,
  });
  const sessions = env['KEYWAY_MCP_SESSIONS'] === 'on';
  const upstream = githubLogin(github, nginx.origin);
  return {
    origin: nginx.origin,
    nginx,
    keyway,
    target: (userName, path = '/mcp') => ({ origin: nginx.origin, fetch: nginx.fetch, upstream, userName, path, sessions }),
  };
}
