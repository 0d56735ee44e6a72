import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseProfile, type ProfileSummary, type Share } from './lib/cpu-profile.js';
import { freshDataDir, keywayEnv, startKeyway } from './lib/keyway.js';
import { KEYWAY_MAIN, RESULTS_DIR, serverScript } from './lib/paths.js';
import { freePort, spawnServer, waitForStatus, type ServerProcess } from './lib/proc.js';
import { markdownTable } from './lib/report.js';
import { runWrk, writeWrkScript } from './lib/wrk.js';
import { checkScenario, LOAD_SCENARIOS, type LoadScenario } from './scenarios/http-load.js';

/**
 * `node bench/.build/bench/profile.js [--scenarios a,b] [--duration S]`: runs each load scenario
 * against a server started with `node --cpu-prof` (and `cold-start`: a Keyway restart up to its
 * first 401), then prints where the CPU time went (by origin, by function self time, by function
 * inclusive time). The raw `.cpuprofile` lands in bench/results/ for Chrome DevTools or speedscope.
 */
const COLD_START = 'cold-start';
const DEFAULT_SCENARIOS = ['keyway-2026-json', 'keyway-2025-sse', 'peer-2026-json', COLD_START];

async function startProfiled(scenario: LoadScenario, dir: string): Promise<ServerProcess & { token?: string }> {
  const flags = ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200'];
  if (scenario.server === 'keyway' || scenario.server === 'keyway-log-info') {
    return startKeyway({ nodeFlags: flags, ...(scenario.server === 'keyway-log-info' ? { env: { KEYWAY_LOG_LEVEL: 'info' } } : {}) });
  }
  const port = await freePort();
  const server = spawnServer({ name: scenario.server, args: [...flags, serverScript(scenario.server), String(port)], port });
  await waitForStatus(server, server.origin, { method: 'POST', body: '{}' });
  return server;
}

interface Profiled extends ProfileSummary {
  readonly requests: number;
}

async function profileOne(scenario: LoadScenario, durationSeconds: number): Promise<Profiled> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-prof-'));
  try {
    const server = await startProfiled(scenario, dir);
    let requests = 0;
    try {
      const request = scenario.request(server.token);
      await checkScenario(server.origin, scenario, request);
      const script = writeWrkScript(dir, scenario.name, request);
      requests = (await runWrk(server.origin, script, { connections: 50, threads: 1, durationSeconds })).requests;
    } finally {
      await server.stop(20_000);
    }
    return { ...summariseProfile(saved(dir, scenario.name)), requests };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each share as ms, µs per request (the profile spans start-up too, so this slightly overstates), and %. */
/** Profiles a restart of Keyway (an initialised data folder) from spawn to the first 401 on `/mcp`. */
async function profileColdStart(): Promise<Profiled> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-prof-'));
  const dataDir = freshDataDir();
  const untilFirst401 = async (flags: readonly string[]): Promise<void> => {
    const port = await freePort();
    const server = spawnServer({ name: 'keyway', args: [...flags, KEYWAY_MAIN], port, env: keywayEnv(port, dataDir) });
    try {
      await waitForStatus(server, `${server.origin}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 401);
      // The MCP side loads behind the listener; stop only once main.ts has its signal handlers.
      await waitForStatus(server, `${server.origin}/readyz`, { method: 'GET' }, 200);
    } finally {
      await server.stop();
    }
  };
  try {
    await untilFirst401([]);
    await untilFirst401(['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100']);
    return { ...summariseProfile(saved(dir, 'cold-start')), requests: 1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Copies the profile `dir` holds to bench/results/<name>.cpuprofile; returns its path in `dir`. */
function saved(dir: string, name: string): string {
  const file = readdirSync(dir).find((candidate) => candidate.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`${name}: no .cpuprofile was written`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  copyFileSync(join(dir, file), join(RESULTS_DIR, `${name}.cpuprofile`));
  return join(dir, file);
}

const rows = (shares: readonly Share[], requests: number): string[][] =>
  shares.map((share) => [share.name, share.ms.toFixed(1), ((share.ms * 1000) / Math.max(1, requests)).toFixed(1), share.percent.toFixed(1)]);

function render(name: string, summary: Profiled): string {
  const columns = (title: string): string[] => [title, 'ms', 'µs/req', '%'];
  return [
    `## ${name}: ${summary.busyMs} ms busy on the main thread, ${summary.requests} requests, ${((summary.busyMs * 1000) / Math.max(1, summary.requests)).toFixed(0)} µs/request`,
    '',
    markdownTable(columns('origin (self time)'), rows(summary.byOrigin, summary.requests)),
    '',
    markdownTable(columns('function (self time)'), rows(summary.topSelf, summary.requests)),
    '',
    markdownTable(columns('function (inclusive time)'), rows(summary.topInclusive, summary.requests)),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { scenarios: { type: 'string' }, duration: { type: 'string' } } });
  const names = values.scenarios?.split(',') ?? DEFAULT_SCENARIOS;
  const durationSeconds = Number(values.duration ?? 5);
  const summaries: Record<string, Profiled> = {};
  for (const name of names) {
    const scenario = LOAD_SCENARIOS.find((candidate) => candidate.name === name);
    if (scenario === undefined && name !== COLD_START) throw new Error(`unknown scenario ${name}`);
    process.stderr.write(`[profile] ${name}\n`);
    const summary = scenario === undefined ? await profileColdStart() : await profileOne(scenario, durationSeconds);
    summaries[name] = summary;
    process.stdout.write(`\n${render(name, summary)}\n`);
  }
  writeFileSync(join(RESULTS_DIR, 'profile-latest.json'), `${JSON.stringify(summaries, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`profile: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
