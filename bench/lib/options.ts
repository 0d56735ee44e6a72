import { parseArgs } from 'node:util';

/**
 * Command-line options of `bench/run.js` (`make bench BENCH_ARGS='…'`). The defaults keep the whole
 * session within a few minutes on two cores.
 */
export const SECTIONS = ['load', 'auth', 'idle', 'cold'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly runs: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly threads: number;
  readonly sseStreams: number;
  readonly idleCounts: readonly number[];
  readonly heartbeatSeconds: number;
  readonly coldRuns: number;
  readonly sections: readonly Section[];
  /** Load scenarios to run besides the baseline (all when undefined). */
  readonly only?: readonly string[];
}

export const USAGE = `usage: node bench/.build/bench/run.js [options]
  --runs N            runs per load scenario, interleaved (default 3)
  --duration S        seconds per run (default 5)
  --connections C     wrk connections and legacy SSE streams (default 50)
  --threads T         wrk threads (default 1: the server gets the other core)
  --idle 1000,10000   idle SSE stream counts
  --cold-runs N       cold starts per process kind (default 5)
  --sections list     any of ${SECTIONS.join(',')} (default all)
  --only list         load scenarios to run besides the baseline
  --quick             1 run × 2 s, idle at 1000 only: a smoke test of the suite itself`;

const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
  return parsed;
};

const csv = (value: string | undefined): string[] | undefined => value?.split(',').map((item) => item.trim()).filter((item) => item !== '');

function sectionsOf(value: string | undefined): Section[] {
  const listed = csv(value) ?? [...SECTIONS];
  for (const name of listed) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}`);
  return listed as Section[];
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      idle: { type: 'string' },
      'cold-runs': { type: 'string' },
      sections: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const connections = positiveInt('connections', values.connections, 50);
  const only = csv(values.only);
  return {
    runs: positiveInt('runs', values.runs, quick ? 1 : 3),
    durationSeconds: positiveInt('duration', values.duration, quick ? 2 : 5),
    connections,
    threads: positiveInt('threads', values.threads, 1),
    sseStreams: connections,
    idleCounts: (csv(values.idle) ?? (quick ? ['1000'] : ['1000', '10000'])).map((count) => positiveInt('idle', count, 0)),
    heartbeatSeconds: 1,
    coldRuns: positiveInt('cold-runs', values['cold-runs'], quick ? 2 : 5),
    sections: sectionsOf(values.sections),
    ...(only === undefined ? {} : { only }),
  };
}
