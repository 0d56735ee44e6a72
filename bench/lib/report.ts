import type { ColdStartResult } from '../scenarios/cold-start.js';
import type { MicroResult } from '../scenarios/gate-micro.js';
import type { IdleStep } from '../scenarios/idle-streams.js';
import type { LoadSummary } from './summary.js';

/**
 * Markdown tables of a benchmark session — printed to the terminal and written next to the JSON,
 * ready to paste into bench/README.md.
 */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly wrk: string;
  /** The 1-minute load average when the session started: other work on the host skews absolute figures, not ratios. */
  readonly loadAverage: number;
}

export interface AuthFigures {
  readonly micro: readonly MicroResult[];
  /** The gate's cost per request (ns), net of building the request object. */
  readonly gateNs: number;
  readonly verifyNs: number;
  /** The gate's cost as a share of Keyway's server CPU per 2026-07-28 tools/call. */
  readonly gateShareOfToolsCall: number;
}

export interface Target {
  readonly target: string;
  readonly measured: string;
  /** `null` when the scenario did not run. */
  readonly pass: boolean | null;
}

export interface Settings {
  readonly runs: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly threads: number;
  readonly sseStreams: number;
}

const fixed = (value: number | undefined, digits: number): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits));
const times = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}×`);
const kib = (bytes: number | undefined): string => (bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`);

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function loadTable(load: readonly LoadSummary[]): string {
  const headers = ['scenario', 'response', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'req/s ×base', 'p99 ×base', 'CPU ×base', 'errors'];
  const rows = load.map((row) => [
    row.name,
    row.response,
    fixed(row.requestsPerSecond, 0),
    fixed(row.p50Ms, 2),
    fixed(row.p99Ms, 2),
    fixed(row.cpuMicrosPerRequest, 1),
    times(row.vsBaseline.requestsPerSecond),
    times(row.vsBaseline.p99),
    times(row.vsBaseline.cpuPerRequest),
    String(row.errors),
  ]);
  return markdownTable(headers, rows);
}

export function authTable(auth: AuthFigures): string {
  const rows = auth.micro.map((row) => [row.name, fixed(row.nsPerOp / 1000, 2)]);
  rows.push(['gate (net of message)', fixed(auth.gateNs / 1000, 2)]);
  rows.push(['gate ÷ Keyway CPU per 2026 tools/call', `${fixed(auth.gateShareOfToolsCall * 100, 1)} %`]);
  return markdownTable(['authentication step', 'µs per request'], rows);
}

export function idleTable(steps: readonly IdleStep[], heartbeatSeconds: number): string {
  const rows = steps.map((step) =>
    step.skipped !== undefined
      ? [step.server, String(step.streams), step.skipped, '', '', '', '', '']
      : [
          step.server,
          String(step.streams),
          kib(step.rssBytesPerStream),
          kib(step.heapBytesPerStream),
          kib(step.externalBytesPerStream),
          fixed(step.openSeconds, 1),
          String(step.streamsMissingHeartbeats),
          `${fixed(step.heartbeatGapP99Ms, 0)} / ${fixed(step.heartbeatGapMaxMs, 0)}`,
        ],
  );
  return markdownTable(['server', 'idle SSE streams', 'RSS / stream', 'heap / stream', 'external / stream', 'open s', 'missing heartbeats', `gap p99 / max ms (every ${heartbeatSeconds} s)`], rows);
}

export function coldTable(cold: ColdStartResult): string {
  return markdownTable(
    ['cold start to first 401', 'median ms', '×bare', 'CPU ms', 'CPU ×bare'],
    [
      ['bare node:http', fixed(cold.bareMs, 0), '1.00×', fixed(cold.cpuMs.bare, 0), '1.00×'],
      [
        'Keyway, restart (initialised data folder)',
        fixed(cold.keywayRestartMs, 0),
        times(cold.keywayRestartMs / cold.bareMs),
        fixed(cold.cpuMs.keywayRestart, 0),
        times(cold.cpuMs.keywayRestart / cold.cpuMs.bare),
      ],
      [
        'Keyway, first boot (empty data folder)',
        fixed(cold.keywayFirstBootMs, 0),
        times(cold.keywayFirstBootMs / cold.bareMs),
        fixed(cold.cpuMs.keywayFirstBoot, 0),
        times(cold.cpuMs.keywayFirstBoot / cold.cpuMs.bare),
      ],
    ],
  );
}

export function targetTable(targets: readonly Target[]): string {
  return markdownTable(
    ['target', 'measured', 'verdict'],
    targets.map((row) => [row.target, row.measured, row.pass === null ? 'not run' : row.pass ? 'met' : 'MISSED']),
  );
}

export function machineLine(machine: Machine, settings: Settings): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, ${machine.wrk}, load average ${machine.loadAverage} at start; ` +
    `wrk -t${settings.threads} -c${settings.connections}, ${settings.runs} runs × ${settings.durationSeconds} s (medians), SSE round trip on ${settings.sseStreams} streams`
  );
}
