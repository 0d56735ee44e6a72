import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseOptions, USAGE, type BenchOptions } from './lib/options.js';
import { KEYWAY_MAIN, RESULTS_DIR } from './lib/paths.js';
import { authTable, coldTable, idleTable, loadTable, machineLine, targetTable, type AuthFigures, type Machine, type Settings, type Target } from './lib/report.js';
import { summarise, type LoadSummary } from './lib/summary.js';
import { evaluateTargets } from './lib/targets.js';
import { runColdStart, type ColdStartResult } from './scenarios/cold-start.js';
import type { MicroResult } from './scenarios/gate-micro.js';
import { runIdleStreams, type IdleStep } from './scenarios/idle-streams.js';
import { runLoadSuite } from './scenarios/load-suite.js';

/**
 * `make bench`: every scenario of issue 7 in one session on this machine — throughput against the
 * raw baseline and the SDK peer, authentication cost, idle legacy SSE streams, cold start — then a
 * table on stdout and JSON plus Markdown in bench/results/. All load is loopback, bounded in time,
 * and every process started here is stopped here.
 */
interface Results {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly settings: Settings;
  readonly load: readonly LoadSummary[];
  readonly auth?: AuthFigures;
  readonly idle?: readonly IdleStep[];
  readonly coldStart?: ColdStartResult;
  readonly targets: readonly Target[];
}

const began = performance.now();
const log = (line: string): void => {
  process.stderr.write(`[bench +${Math.round((performance.now() - began) / 1000)}s] ${line}\n`);
};

function wrkVersion(): string {
  try {
    return execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0] ?? 'wrk';
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    if (output.startsWith('wrk')) return (output.split('\n')[0] ?? 'wrk').replace(/ Copyright.*$/, '');
    throw new Error('wrk is not installed (Debian: apt-get install -y wrk; `make bench` installs it)', { cause: error });
  }
}

function osName(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '');
  return `${pretty?.[1] ?? 'Linux'} (kernel ${release()})`;
}

function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: osName(),
    node: process.versions.node,
    wrk: wrkVersion(),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
}

function runGateMicro(): Promise<MicroResult[]> {
  const script = new URL('scenarios/gate-micro.js', import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script.pathname], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`gate micro-benchmark failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim()) as MicroResult[]);
    });
  });
}

async function authFigures(load: readonly LoadSummary[]): Promise<AuthFigures> {
  const micro = await runGateMicro();
  const ns = (name: string): number => micro.find((row) => row.name === name)?.nsPerOp ?? Number.NaN;
  const gateNs = ns('gate_with_message') - ns('message_only');
  const toolsCall = load.find((row) => row.name === 'keyway-2026-json')?.cpuMicrosPerRequest ?? Number.NaN;
  return { micro, gateNs, verifyNs: ns('verify'), gateShareOfToolsCall: gateNs / 1000 / toolsCall };
}

function render(results: Results, options: BenchOptions): string {
  const parts = [`Machine: ${machineLine(results.machine, results.settings)}`, '', loadTable(results.load)];
  if (results.auth !== undefined) parts.push('', authTable(results.auth));
  if (results.idle !== undefined) parts.push('', idleTable(results.idle, options.heartbeatSeconds));
  if (results.coldStart !== undefined) parts.push('', coldTable(results.coldStart));
  parts.push('', targetTable(results.targets));
  return parts.join('\n');
}

function save(results: Results, markdown: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(RESULTS_DIR, `bench-${stamp}.json`), json);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  writeFileSync(join(RESULTS_DIR, 'latest.md'), `${markdown}\n`);
  return `bench/results/bench-${stamp}.json`;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = parseOptions(argv);
  if (!existsSync(KEYWAY_MAIN)) throw new Error('dist/main.js is missing: run `make build` first');
  const startedAt = new Date().toISOString();
  const settings: Settings = { runs: options.runs, durationSeconds: options.durationSeconds, connections: options.connections, threads: options.threads, sseStreams: options.sseStreams };
  const host = machine();
  const has = (section: BenchOptions['sections'][number]): boolean => options.sections.includes(section);
  const wrk = { connections: options.connections, threads: options.threads, durationSeconds: options.durationSeconds };
  const load = has('load') ? summarise(await runLoadSuite({ runs: options.runs, wrk, sseStreams: options.sseStreams, ...(options.only === undefined ? {} : { only: options.only }) }, log)) : [];
  if (has('auth')) log('authentication micro-benchmark');
  const auth = has('auth') ? await authFigures(load) : undefined;
  if (has('idle')) log(`idle legacy SSE streams: ${options.idleCounts.join(', ')}`);
  const idle = has('idle') ? await runIdleStreams({ counts: options.idleCounts, heartbeatSeconds: options.heartbeatSeconds, watchSeconds: 3.5 }) : undefined;
  if (has('cold')) log('cold start');
  const coldStart = has('cold') ? await runColdStart(options.coldRuns) : undefined;
  const targets = evaluateTargets(load, auth, idle, options.heartbeatSeconds, coldStart);
  const results: Results = { startedAt, machine: host, settings, load, ...(auth === undefined ? {} : { auth }), ...(idle === undefined ? {} : { idle }), ...(coldStart === undefined ? {} : { coldStart }), targets };
  const markdown = render(results, options);
  process.stdout.write(`\n${markdown}\n\n`);
  log(`results written to ${save(results, markdown)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
