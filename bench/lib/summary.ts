import type { LoadOutcome, RunSample } from '../scenarios/load-suite.js';
import { median, ratio } from './stats.js';

/**
 * Turns runs into figures: the median of each metric over the runs, and each ratio computed run by
 * run against the baseline of the same run (then the median), so host noise cancels out.
 */
export interface LoadSummary {
  readonly name: string;
  readonly label: string;
  readonly response: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerRequest: number;
  readonly errors: number;
  /** Medians of per-run ratios to the baseline: req/s, p99, CPU per request. */
  readonly vsBaseline: { readonly requestsPerSecond: number; readonly p99: number; readonly cpuPerRequest: number };
  readonly runs: readonly RunSample[];
}

const metric = (runs: readonly RunSample[], pick: (run: RunSample) => number): number => median(runs.map(pick));

/** The median over runs of `pick(run) / pick(reference run)`, pairing run i with run i. */
export function pairedRatio(runs: readonly RunSample[], reference: readonly RunSample[], pick: (run: RunSample) => number): number {
  const ratios = runs.flatMap((run, index) => {
    const base = reference[index];
    return base === undefined ? [] : [ratio(pick(run), pick(base))];
  });
  return median(ratios.filter(Number.isFinite));
}

export function summarise(outcomes: readonly LoadOutcome[]): LoadSummary[] {
  const baseline = outcomes.find((outcome) => outcome.name === 'baseline')?.runs ?? [];
  return outcomes.map((outcome) => ({
    name: outcome.name,
    label: outcome.label,
    response: outcome.response,
    requestsPerSecond: metric(outcome.runs, (run) => run.requestsPerSecond),
    p50Ms: metric(outcome.runs, (run) => run.p50Ms),
    p99Ms: metric(outcome.runs, (run) => run.p99Ms),
    cpuMicrosPerRequest: metric(outcome.runs, (run) => run.cpuMicrosPerRequest),
    errors: outcome.runs.reduce((sum, run) => sum + run.errors, 0),
    vsBaseline: {
      requestsPerSecond: pairedRatio(outcome.runs, baseline, (run) => run.requestsPerSecond),
      p99: pairedRatio(outcome.runs, baseline, (run) => run.p99Ms),
      cpuPerRequest: pairedRatio(outcome.runs, baseline, (run) => run.cpuMicrosPerRequest),
    },
    runs: outcome.runs,
  }));
}
