import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyway, type KeywayProcess } from '../lib/keyway.js';
import { serverScript } from '../lib/paths.js';
import { cpuMicros, freePort, spawnServer, waitForStatus, type ServerProcess } from '../lib/proc.js';
import { runWrk, writeWrkScript, type WrkOptions } from '../lib/wrk.js';
import { checkScenario, LOAD_SCENARIOS, type LoadScenario, type ServerName } from './http-load.js';
import { runSseRoundTrip } from './sse-roundtrip.js';

/**
 * The throughput scenarios, measured in one session: every server runs side by side (idle when
 * not under load), and each run visits every scenario in turn, so a host that slows down mid-way
 * slows all of them alike and the per-run ratios to the baseline stay fair.
 */
export interface LoadSuiteOptions {
  readonly runs: number;
  readonly wrk: WrkOptions;
  /** Streams in the legacy SSE round trip (the same concurrency as wrk's connections). */
  readonly sseStreams: number;
  readonly only?: readonly string[];
}

export interface RunSample {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU time (user + system, all threads, from /proc) per completed request. */
  readonly cpuMicrosPerRequest: number;
  readonly errors: number;
}

export interface LoadOutcome {
  readonly name: string;
  readonly label: string;
  /** The media type of a response, as checked before the load. */
  readonly response: string;
  readonly runs: RunSample[];
}

export const SSE_ROUND_TRIP = 'keyway-legacy-sse-roundtrip';

type Servers = Record<ServerName, ServerProcess & { readonly token?: string }>;

async function startPlain(name: 'baseline' | 'peer'): Promise<ServerProcess> {
  const port = await freePort();
  const server = spawnServer({ name, args: [serverScript(name), String(port)], port });
  await waitForStatus(server, server.origin, { method: 'POST', body: '{}' });
  return server;
}

async function startServers(): Promise<Servers> {
  const started: ServerProcess[] = [];
  try {
    const baseline = await startPlain('baseline');
    started.push(baseline);
    const peer = await startPlain('peer');
    started.push(peer);
    const keyway: KeywayProcess = await startKeyway({ name: 'keyway' });
    started.push(keyway);
    const logInfo: KeywayProcess = await startKeyway({ name: 'keyway-log-info', env: { KEYWAY_LOG_LEVEL: 'info' } });
    started.push(logInfo);
    return { baseline, peer, keyway, 'keyway-log-info': logInfo };
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    throw error;
  }
}

/** Reads the server's CPU time around `load`; `requests` of the result divides it. */
async function withCpu<T extends { readonly requests: number }>(pid: number, load: () => Promise<T>): Promise<{ result: T; cpuMicrosPerRequest: number }> {
  const before = cpuMicros(pid);
  const result = await load();
  const cpuMicrosPerRequest = (cpuMicros(pid) - before) / Math.max(1, result.requests);
  return { result, cpuMicrosPerRequest };
}

interface Prepared {
  readonly scenario: LoadScenario;
  readonly server: ServerProcess;
  readonly script: string;
  readonly outcome: LoadOutcome;
}

async function prepare(servers: Servers, scenarios: readonly LoadScenario[], dir: string): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  for (const scenario of scenarios) {
    const server = servers[scenario.server];
    const request = scenario.request(server.token);
    const response = await checkScenario(server.origin, scenario, request);
    const script = writeWrkScript(dir, scenario.name, request);
    prepared.push({ scenario, server, script, outcome: { name: scenario.name, label: scenario.label, response, runs: [] } });
  }
  return prepared;
}

async function wrkRun(item: Prepared, options: WrkOptions): Promise<RunSample> {
  const { result, cpuMicrosPerRequest } = await withCpu(item.server.pid, () => runWrk(item.server.origin, item.script, options));
  // wrk counts every status outside 2xx/3xx as an error; a scenario that expects a 401 does not.
  const errors = (item.scenario.expect.status ?? 200) < 400 ? result.errors : result.errors - result.non2xx;
  return { requests: result.requests, requestsPerSecond: result.requestsPerSecond, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuMicrosPerRequest, errors };
}

async function sseRun(keyway: Servers['keyway'], options: LoadSuiteOptions): Promise<RunSample> {
  const token = keyway.token ?? '';
  const { result, cpuMicrosPerRequest } = await withCpu(keyway.pid, () =>
    runSseRoundTrip({ origin: keyway.origin, token, streams: options.sseStreams, durationSeconds: options.wrk.durationSeconds }),
  );
  return { requests: result.requests, requestsPerSecond: result.requestsPerSecond, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuMicrosPerRequest, errors: result.errors };
}

const selected = (name: string, only: readonly string[] | undefined): boolean => only === undefined || name === 'baseline' || only.includes(name);

export async function runLoadSuite(options: LoadSuiteOptions, log: (line: string) => void): Promise<LoadOutcome[]> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-wrk-'));
  const servers = await startServers();
  try {
    const prepared = await prepare(servers, LOAD_SCENARIOS.filter((scenario) => selected(scenario.name, options.only)), dir);
    const roundTrip: LoadOutcome | undefined = selected(SSE_ROUND_TRIP, options.only)
      ? { name: SSE_ROUND_TRIP, label: 'Keyway legacy SSE: POST /messages → response on the stream', response: 'text/event-stream', runs: [] }
      : undefined;
    log('warming up every scenario for 1 s');
    for (const item of prepared) await runWrk(item.server.origin, item.script, { ...options.wrk, durationSeconds: 1 });
    for (let run = 1; run <= options.runs; run += 1) {
      for (const item of prepared) {
        item.outcome.runs.push(await wrkRun(item, options.wrk));
        log(`run ${run}/${options.runs} ${item.scenario.name}: ${Math.round(item.outcome.runs.at(-1)?.requestsPerSecond ?? 0)} req/s`);
      }
      if (roundTrip !== undefined) {
        roundTrip.runs.push(await sseRun(servers.keyway, options));
        log(`run ${run}/${options.runs} ${SSE_ROUND_TRIP}: ${Math.round(roundTrip.runs.at(-1)?.requestsPerSecond ?? 0)} req/s`);
      }
    }
    return [...prepared.map((item) => item.outcome), ...(roundTrip === undefined ? [] : [roundTrip])];
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
