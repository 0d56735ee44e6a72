import type { TestContext } from 'node:test';
import type { ReplayTarget } from '../../test/support/profile-replay.js';
import { startGithubBehindNginx, type NginxWorld } from '../support/world.js';

/**
 * One Keyway behind one nginx with TLS, signing people in at the fake GitHub: shared by every
 * profile replayed in a test file (each file starts its own, with the settings it needs).
 */
export interface ProfileWorld extends NginxWorld {
  /** Where a replay connects, as `userName`, to the URL ending in `path` (through `nginx.fetch`, which trusts the throw-away CA). */
  target(userName: string, path?: '/mcp' | '/sse'): ReplayTarget;
}

export async function startProfileWorld(t: TestContext, env: Record<string, string> = {}): Promise<ProfileWorld> {
  const world = await startGithubBehindNginx(t, { env });
  const sessions = env['KEYWAY_MCP_SESSIONS'] === 'on';
  const { origin, nginx, keyway, https, atGithub: upstream } = world;
  return {
    origin,
    nginx,
    keyway,
    https,
    target: (userName, path = '/mcp') => ({ origin, fetch: https, upstream, userName, path, sessions }),
  };
}
