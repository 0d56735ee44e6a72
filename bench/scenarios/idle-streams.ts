import { probeMemory, startProbedKeyway, startProbedLeanSse, type Memory } from '../lib/probe-client.js';
import { openFilesLimit, type ServerProcess } from '../lib/proc.js';
import { openSseStream, type SseStream } from '../lib/sse-client.js';
import { percentile } from '../lib/stats.js';

/**
 * Idle legacy SSE streams: memory per open stream at each count (RSS and V8 heap after a full GC,
 * minus the same figures before any stream), and whether every stream still gets its heartbeat
 * comment on time. Keyway runs with a 1 s heartbeat and its session caps raised above the count;
 * a hand-written node:http SSE server (servers/lean-sse.ts) is measured the same way as the floor.
 * This process holds the client ends, so each side needs as many descriptors as streams.
 */
/** A server holding streams: Keyway, or the lean reference. */
export type StreamServer = ServerProcess & { readonly token: string };
export interface IdleOptions {
  readonly counts: readonly number[];
  readonly heartbeatSeconds: number;
  /** How long heartbeats are watched at each count. */
  readonly watchSeconds: number;
}

export interface IdleStep {
  readonly server: string;
  readonly streams: number;
  readonly skipped?: string;
  readonly openSeconds?: number;
  readonly rssBytesPerStream?: number;
  readonly heapBytesPerStream?: number;
  readonly externalBytesPerStream?: number;
  /** Streams that got fewer heartbeats than the watch window must hold. */
  readonly streamsMissingHeartbeats?: number;
  readonly heartbeatGapP99Ms?: number;
  readonly heartbeatGapMaxMs?: number;
}

export interface Watched {
  readonly stream: SseStream;
  beats: number;
  last: number;
  maxGap: number;
}

const OPEN_CONCURRENCY = 100;
/** Descriptors this process and the server need beyond one per stream. */
const FD_HEADROOM = 256;

/** Opens `count` more streams, `OPEN_CONCURRENCY` at a time, each counting its heartbeats. */
export async function openMany(keyway: StreamServer, count: number, into: Watched[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const entry = { beats: 0, last: 0, maxGap: 0 };
      const stream = await openSseStream(keyway.origin, '/sse', keyway.token, {
        onComment() {
          const now = performance.now();
          if (entry.last > 0) entry.maxGap = Math.max(entry.maxGap, now - entry.last);
          entry.last = now;
          entry.beats += 1;
        },
      });
      into.push(Object.assign(entry, { stream }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
}

async function watchHeartbeats(streams: Watched[], options: IdleOptions): Promise<Pick<IdleStep, 'streamsMissingHeartbeats' | 'heartbeatGapP99Ms' | 'heartbeatGapMaxMs'>> {
  for (const entry of streams) Object.assign(entry, { beats: 0, last: 0, maxGap: 0 });
  await new Promise((resolve) => setTimeout(resolve, options.watchSeconds * 1000));
  const expected = Math.floor(options.watchSeconds / options.heartbeatSeconds) - 1;
  const gaps = streams.map((entry) => entry.maxGap);
  return {
    streamsMissingHeartbeats: streams.filter((entry) => entry.beats < expected).length,
    heartbeatGapP99Ms: percentile(gaps, 99),
    heartbeatGapMaxMs: Math.max(...gaps),
  };
}

const perStream = (after: number, before: number, count: number): number => (after - before) / count;

async function step(keyway: StreamServer, streams: Watched[], count: number, before: Memory, options: IdleOptions): Promise<IdleStep> {
  const limit = openFilesLimit();
  if (limit < count + FD_HEADROOM) return { server: keyway.name, streams: count, skipped: `open-files limit ${limit} < ${count + FD_HEADROOM}; raise it with ulimit -n` };
  const started = performance.now();
  await openMany(keyway, count - streams.length, streams);
  const openSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await probeMemory(keyway.child);
  return {
    server: keyway.name,
    streams: count,
    openSeconds,
    rssBytesPerStream: perStream(after.rss, before.rss, count),
    heapBytesPerStream: perStream(after.heapUsed, before.heapUsed, count),
    externalBytesPerStream: perStream(after.external, before.external, count),
    ...(await watchHeartbeats(streams, options)),
  };
}

/** Opens and drops a few streams so one-time costs (JIT, first allocations) are not counted per stream. */
export async function warmUp(keyway: StreamServer): Promise<void> {
  const streams: Watched[] = [];
  await openMany(keyway, 200, streams);
  for (const entry of streams) entry.stream.close();
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

async function measureServer(server: StreamServer, options: IdleOptions): Promise<IdleStep[]> {
  const streams: Watched[] = [];
  try {
    await warmUp(server);
    const before = await probeMemory(server.child);
    const steps: IdleStep[] = [];
    for (const count of [...options.counts].sort((a, b) => a - b)) steps.push(await step(server, streams, count, before, options));
    return steps;
  } finally {
    for (const entry of streams) entry.stream.close();
    await server.stop(10_000);
  }
}

export async function runIdleStreams(options: IdleOptions): Promise<IdleStep[]> {
  const most = Math.max(...options.counts);
  const keyway = await measureServer(await startProbedKeyway(most, options.heartbeatSeconds), options);
  const lean = await measureServer(await startProbedLeanSse(options.heartbeatSeconds), options);
  return [...keyway, ...lean];
}
