import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StdioOptions } from 'node:child_process';
import { obtainTokens } from '../../test/support/oauth-flow.js';
import { KEYWAY_MAIN } from './paths.js';
import { freePort, spawnServer, waitForStatus, type ServerProcess } from './proc.js';

/**
 * Keyway as a separate process (`node dist/main.js`), configured by environment like production,
 * with a throw-away data folder holding its SQLite store, and a real token from the full OAuth flow.
 */
export interface KeywayProcess extends ServerProcess {
  /** A real access token of user `bench`. */
  readonly token: string;
  readonly dataDir: string;
}

export interface KeywayOptions {
  readonly name?: string;
  /** Extra environment on top of the benchmark defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags placed before `dist/main.js` (`--cpu-prof`, `--import probe.js`, …). */
  readonly nodeFlags?: readonly string[];
  readonly stdio?: StdioOptions;
  /** Use this data folder instead of a fresh one (it is then not removed on stop). */
  readonly dataDir?: string;
}

/** The environment every benchmark Keyway gets: SQLite store, quiet logs, no throttling of the load. */
export function keywayEnv(port: number, dataDir: string): Record<string, string> {
  return {
    KEYWAY_PORT: String(port),
    KEYWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    KEYWAY_STORE: `sqlite:${join(dataDir, 'keyway.db')}`,
    KEYWAY_DATA_DIR: dataDir,
    KEYWAY_LOG_LEVEL: 'warn',
    KEYWAY_RATE_MCP_PER_MINUTE: '1000000',
    KEYWAY_SHUTDOWN_GRACE_MS: '1000',
  };
}

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'keyway-bench-'));
}

/** Starts Keyway, waits for `/healthz`, and signs user `bench` in. */
export async function startKeyway(options: KeywayOptions = {}): Promise<KeywayProcess> {
  const port = await freePort();
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? freshDataDir();
  const server = spawnServer({
    name: options.name ?? 'keyway',
    args: [...(options.nodeFlags ?? []), KEYWAY_MAIN],
    port,
    env: { ...keywayEnv(port, dataDir), ...options.env },
    ...(options.stdio === undefined ? {} : { stdio: options.stdio }),
  });
  try {
    await waitForStatus(server, `${server.origin}/healthz`, {}, 200);
    const tokens = await obtainTokens(server.origin, 'bench');
    return {
      ...server,
      token: tokens.access_token,
      dataDir,
      async stop(graceMs?: number) {
        await server.stop(graceMs);
        if (owned) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    if (owned) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
