import { writeHeapSnapshot } from 'node:v8';

/**
 * Preloaded into a server under test (`node --expose-gc --import probe.js …`) when it is spawned
 * with an IPC channel. The server's own code is not touched.
 * - `{ type: 'memory' }` → `process.memoryUsage()` after a full garbage collection, so heap deltas
 *   count live objects only;
 * - `{ type: 'snapshot', path }` → a heap snapshot written to `path` (after a full GC).
 */
interface ProbeRequest {
  readonly type?: unknown;
  readonly path?: unknown;
}

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

if (process.send !== undefined) {
  process.on('message', (message: ProbeRequest) => {
    if (message.type === 'memory') {
      collect();
      process.send?.({ type: 'memory', usage: process.memoryUsage() });
    } else if (message.type === 'snapshot' && typeof message.path === 'string') {
      collect();
      process.send?.({ type: 'snapshot', path: writeHeapSnapshot(message.path) });
    }
  });
  // The channel must not keep a server alive that was asked to stop.
  process.channel?.unref();
}
