import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { freshDataDir, keywayEnv } from '../lib/keyway.js';
import { KEYWAY_MAIN, serverScript } from '../lib/paths.js';
import { cpuMicros, freePort, spawnServer, type ServerProcess } from '../lib/proc.js';
import { median } from '../lib/stats.js';

/**
 * Cold start: from spawning the process to the first `401` on `POST /mcp` without a token, for
 * Keyway (`node dist/main.js`, SQLite store) and for a bare node:http process that only answers.
 * Keyway is measured on a data folder it has already initialised (a restart: what a deployment
 * does every time) and on an empty one (first boot: secret generation and migrations). The runs
 * are interleaved; each figure is the median. The process's CPU time (all threads, from
 * /proc/<pid>/stat, 10 ms ticks) when the 401 arrives is kept too: on a shared host it varies far
 * less than the wall time. Keyway goes on loading its MCP side after that first answer, so its
 * figure may include a little of that work.
 */
export interface ColdStartResult {
  readonly bareMs: number;
  readonly keywayRestartMs: number;
  readonly keywayFirstBootMs: number;
  /** Median CPU ms of each process up to its first 401. */
  readonly cpuMs: { readonly bare: number; readonly keywayRestart: number; readonly keywayFirstBoot: number };
  readonly samples: { readonly bare: number[]; readonly keywayRestart: number[]; readonly keywayFirstBoot: number[] };
  readonly cpuSamples: { readonly bare: number[]; readonly keywayRestart: number[]; readonly keywayFirstBoot: number[] };
}

interface Start {
  readonly ms: number;
  readonly cpuMs: number;
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

/** Milliseconds (and CPU ms) from `start()` to the first 401; the process is stopped afterwards. */
async function timeTo401(start: (port: number) => ServerProcess): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const server = start(port);
  try {
    for (;;) {
      if ((await status(port)) === 401) {
        const ms = performance.now() - started;
        return { ms, cpuMs: cpuMicros(server.child.pid ?? 0) / 1000 };
      }
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

type Kind = 'bare' | 'keywayRestart' | 'keywayFirstBoot';

export async function runColdStart(runs: number): Promise<ColdStartResult> {
  const restartDir = freshDataDir();
  const samples: Record<Kind, number[]> = { bare: [], keywayRestart: [], keywayFirstBoot: [] };
  const cpuSamples: Record<Kind, number[]> = { bare: [], keywayRestart: [], keywayFirstBoot: [] };
  const record = (kind: Kind, start: Start): void => {
    samples[kind].push(start.ms);
    cpuSamples[kind].push(start.cpuMs);
  };
  try {
    // One discarded start of each: initialises the restart folder and warms the file cache.
    await timeTo401(bare);
    await timeTo401(keyway(restartDir));
    for (let run = 0; run < runs; run += 1) {
      record('bare', await timeTo401(bare));
      record('keywayRestart', await timeTo401(keyway(restartDir)));
      const firstDir = freshDataDir();
      try {
        record('keywayFirstBoot', await timeTo401(keyway(firstDir)));
      } finally {
        rmSync(firstDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(restartDir, { recursive: true, force: true });
  }
  return {
    bareMs: median(samples.bare),
    keywayRestartMs: median(samples.keywayRestart),
    keywayFirstBootMs: median(samples.keywayFirstBoot),
    cpuMs: { bare: median(cpuSamples.bare), keywayRestart: median(cpuSamples.keywayRestart), keywayFirstBoot: median(cpuSamples.keywayFirstBoot) },
    samples,
    cpuSamples,
  };
}
