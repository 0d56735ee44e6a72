import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { perItem, totalsByKind } from './lib/heap-snapshot.js';
import { RESULTS_DIR } from './lib/paths.js';
import { probeSnapshot, startProbedKeyway } from './lib/probe-client.js';
import { markdownTable } from './lib/report.js';
import { openMany, warmUp, type Watched } from './scenarios/idle-streams.js';

/**
 * `node bench/.build/bench/heap.js [--streams N]`: what one idle legacy SSE stream keeps alive in
 * Keyway's heap. Heap snapshots (after a full GC) before and after opening N streams, totalled per
 * constructor / closure / node type, divided by N. The memory counterpart of profile.js.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { streams: { type: 'string' } } });
  const streams = Number(values.streams ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-heap-'));
  const keyway = await startProbedKeyway(streams, 15);
  const open: Watched[] = [];
  try {
    await warmUp(keyway);
    const before = totalsByKind(await probeSnapshot(keyway.child, join(dir, 'before.heapsnapshot')));
    await openMany(keyway, streams, open);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = totalsByKind(await probeSnapshot(keyway.child, join(dir, 'after.heapsnapshot')));
    const deltas = perItem(before, after, streams);
    const total = deltas.reduce((sum, delta) => sum + delta.bytesPerItem, 0);
    const rows = deltas.slice(0, 40).map((delta) => [delta.kind, delta.bytesPerItem.toFixed(0), delta.countPerItem.toFixed(2)]);
    process.stdout.write(`\nHeap per idle legacy SSE stream (${streams} streams): ${total.toFixed(0)} bytes\n\n${markdownTable(['kind', 'bytes / stream', 'count / stream'], rows)}\n`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'heap-latest.json'), `${JSON.stringify({ streams, bytesPerStream: total, kinds: deltas.slice(0, 100) }, null, 2)}\n`);
  } finally {
    for (const entry of open) entry.stream.close();
    await keyway.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`heap: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
