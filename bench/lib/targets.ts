import type { ColdStartResult } from '../scenarios/cold-start.js';
import type { IdleStep } from '../scenarios/idle-streams.js';
import type { AuthFigures, Target } from './report.js';
import { pairedRatio, type LoadSummary } from './summary.js';

/**
 * Issue 7's targets, each judged on ratios measured in this session:
 * authenticated tools/call ≥ 0.25× the baseline's req/s and ≥ 3× the peer with p99 ≤ 4× the
 * baseline's; the gate ≤ 10 % of a tools/call; ≤ 16 KiB RSS per idle SSE stream at 10 000 with
 * heartbeats on time; cold start ≤ 2× a bare node:http process.
 */
const KEYWAY_VS_PEER: ReadonlyArray<readonly [string, string]> = [
  ['keyway-2026-json', 'peer-2026-json'],
  ['keyway-2025-sse', 'peer-2025-sse'],
];

const x = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const verdict = (value: number, ok: (value: number) => boolean): boolean | null => (Number.isFinite(value) ? ok(value) : null);

function throughputTargets(load: readonly LoadSummary[]): Target[] {
  const byName = new Map(load.map((row) => [row.name, row]));
  return KEYWAY_VS_PEER.flatMap(([keywayName, peerName]) => {
    const keyway = byName.get(keywayName);
    const peer = byName.get(peerName);
    const vsPeer = keyway === undefined || peer === undefined ? Number.NaN : pairedRatio(keyway.runs, peer.runs, (run) => run.requestsPerSecond);
    const vsBase = keyway?.vsBaseline.requestsPerSecond ?? Number.NaN;
    const p99 = keyway?.vsBaseline.p99 ?? Number.NaN;
    return [
      { target: `${keywayName} ≥ 0.25× baseline req/s`, measured: x(vsBase), pass: verdict(vsBase, (v) => v >= 0.25) },
      { target: `${keywayName} ≥ 3× ${peerName} req/s`, measured: x(vsPeer), pass: verdict(vsPeer, (v) => v >= 3) },
      { target: `${keywayName} p99 ≤ 4× baseline p99`, measured: x(p99), pass: verdict(p99, (v) => v <= 4) },
    ];
  });
}

function gateTarget(auth: AuthFigures | undefined): Target {
  const share = auth?.gateShareOfToolsCall ?? Number.NaN;
  return { target: 'bearer gate ≤ 10 % of a tools/call', measured: Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : 'n/a', pass: verdict(share, (v) => v <= 0.1) };
}

function idleTargets(steps: readonly IdleStep[] | undefined, heartbeatSeconds: number): Target[] {
  const at10k = steps?.find((step) => step.server === 'keyway' && step.streams === 10_000 && step.skipped === undefined);
  const perStream = at10k?.rssBytesPerStream ?? Number.NaN;
  const onTime = at10k === undefined ? Number.NaN : (at10k.streamsMissingHeartbeats ?? 1) === 0 && (at10k.heartbeatGapMaxMs ?? Infinity) <= heartbeatSeconds * 1500 ? 1 : 0;
  return [
    { target: '≤ 16 KiB RSS per idle SSE stream at 10 000', measured: Number.isFinite(perStream) ? `${(perStream / 1024).toFixed(1)} KiB` : 'n/a', pass: verdict(perStream, (v) => v <= 16 * 1024) },
    {
      target: `every stream's heartbeat within 1.5× its ${heartbeatSeconds} s interval at 10 000`,
      measured: at10k === undefined ? 'n/a' : `${at10k.streamsMissingHeartbeats} missing, max gap ${Math.round(at10k.heartbeatGapMaxMs ?? Number.NaN)} ms`,
      pass: verdict(onTime, (v) => v === 1),
    },
  ];
}

function coldTarget(cold: ColdStartResult | undefined): Target {
  const value = cold === undefined ? Number.NaN : cold.keywayRestartMs / cold.bareMs;
  return { target: 'cold start to first 401 ≤ 2× bare node:http', measured: x(value), pass: verdict(value, (v) => v <= 2) };
}

export function evaluateTargets(load: readonly LoadSummary[], auth: AuthFigures | undefined, idle: readonly IdleStep[] | undefined, heartbeatSeconds: number, cold: ColdStartResult | undefined): Target[] {
  return [...throughputTargets(load), gateTarget(auth), ...idleTargets(idle, heartbeatSeconds), coldTarget(cold)];
}
