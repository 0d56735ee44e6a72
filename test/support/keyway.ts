import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/app/config.js';
import { createApp } from '../../src/app/container.js';
import type { RunningServer } from '../../src/adapters/http/server.js';
import { obtainTokens } from './oauth-flow.js';

export interface StartedKeyway {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly running: RunningServer;
  /** Every JSON log line the server wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>;
}

/**
 * Starts a real Keyway on port 0 with `env` on top of the defaults and stops it after the test.
 * The public URL is set to the bound port so every published URL is right.
 */
export async function startKeyway(t: TestContext, env: Record<string, string> = {}): Promise<StartedKeyway> {
  const logs: Array<Record<string, unknown>> = [];
  const port = await freePort();
  const config = loadConfig({
    KEYWAY_PORT: String(port),
    KEYWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    KEYWAY_SHUTDOWN_GRACE_MS: '2000',
    KEYWAY_STORE: 'memory',
    ...env,
  });
  const app = await createApp(config, (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const running = await app.start();
  t.after(() => running.stop());
  return { origin: `http://127.0.0.1:${running.address.port}`, running, logs };
}

export interface SignedInKeyway extends StartedKeyway {
  /** A real access token for `userName`, from the full OAuth flow. */
  readonly token: string;
  /** `{ authorization: 'Bearer …' }`, ready for fetch and the SDK transports' `requestInit`. */
  readonly auth: Record<string, string>;
}

/** Starts Keyway and signs `userName` in through the whole OAuth flow. */
export async function startSignedIn(t: TestContext, env: Record<string, string> = {}, userName = 'alice'): Promise<SignedInKeyway> {
  const keyway = await startKeyway(t, env);
  const { access_token: token } = await obtainTokens(keyway.origin, userName);
  return { ...keyway, token, auth: { authorization: `Bearer ${token}` } };
}

/** A port that was free a moment ago (bound on port 0, then released). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
