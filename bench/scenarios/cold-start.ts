import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { freshDataDir, keywayEnv } from '../lib/keyway.js';
import { KEYWAY_MAIN, serverScript } from '../lib/paths.js';
import { freePort, spawnServer, type ServerProcess } from '../lib/proc.js';
import { median } from '../lib/stats.js';

/**
 * Cold start: from spawning the process to the first `401` on `POST /mcp` without a token, for
 * Keyway (`node dist/main.js`, SQLite store) and for a bare node:http process that only answers.
 * Keyway is measured on a data folder it has already initialised (a restart: what a deployment
 * does every time) and on an empty one (first boot: secret generation and migrations). The runs
 * are interleaved; each figure is the median.
 */
export interface ColdStartResult {
  readonly bareMs: number;
  readonly keywayRestartMs: number;
  readonly keywayFirstBootMs: number;
  readonly samples: { readonly bare: number[]; readonly keywayRestart: number[]; readonly keywayFirstBoot: number[] };
}

const POLL_MS = 1;
const START_TIMEOUT_MS = 20_000;

function status(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.end('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  });
}

/** Milliseconds from `start()` to the first 401; the process is stopped afterwards. */
async function timeTo401(start: (port: number) => ServerProcess): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const server = start(port);
  try {
    for (;;) {
      if ((await status(port)) === 401) return performance.now() - started;
      if (server.child.exitCode !== null) throw new Error(`${server.name} exited with ${server.child.exitCode}`);
      if (performance.now() - started > START_TIMEOUT_MS) throw new Error(`${server.name}: no 401 within ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await server.stop();
  }
}

const bare = (port: number): ServerProcess => spawnServer({ name: 'bare', args: [serverScript('bare'), String(port)], port });

const keyway = (dataDir: string) => (port: number): ServerProcess =>
  spawnServer({ name: 'keyway', args: [KEYWAY_MAIN], port, env: keywayEnv(port, dataDir) });

export async function runColdStart(runs: number): Promise<ColdStartResult> {
  const restartDir = freshDataDir();
  const samples = { bare: [] as number[], keywayRestart: [] as number[], keywayFirstBoot: [] as number[] };
  try {
    // One discarded start of each: initialises the restart folder and warms the file cache.
    await timeTo401(bare);
    await timeTo401(keyway(restartDir));
    for (let run = 0; run < runs; run += 1) {
      samples.bare.push(await timeTo401(bare));
      samples.keywayRestart.push(await timeTo401(keyway(restartDir)));
      const firstDir = freshDataDir();
      try {
        samples.keywayFirstBoot.push(await timeTo401(keyway(firstDir)));
      } finally {
        rmSync(firstDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(restartDir, { recursive: true, force: true });
  }
  return { bareMs: median(samples.bare), keywayRestartMs: median(samples.keywayRestart), keywayFirstBootMs: median(samples.keywayFirstBoot), samples };
}
