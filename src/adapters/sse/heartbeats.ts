/**
 * One timer for every open legacy SSE stream: each tick walks the set of open streams and beats
 * each one. A timer per stream costs a `Timeout` and a closure for every idle connection; at ten
 * thousand streams that is most of what an idle stream keeps beyond Node's own socket. The timer
 * runs only while a stream is open and never keeps the process alive.
 */
export interface Heartbeats<T> {
  /** Interval between two beats of one stream. */
  readonly intervalMs: number;
  /** Beats `item` from the next tick on. */
  add(item: T): void;
  /** Stops beating `item`; safe during a tick (a stream may end while it is being beaten). */
  delete(item: T): void;
  /** Number of streams beating, for tests. */
  size(): number;
  /** Whether the shared timer exists, for tests: it must not outlive the last stream. */
  running(): boolean;
}

export function createHeartbeats<T>(intervalMs: number, beat: (item: T) => void): Heartbeats<T> {
  const items = new Set<T>();
  let timer: NodeJS.Timeout | undefined;

  const tick = (): void => {
    for (const item of items) beat(item);
  };

  return {
    intervalMs,
    add(item) {
      items.add(item);
      if (timer !== undefined) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    delete(item) {
      if (!items.delete(item) || items.size > 0) return;
      clearInterval(timer);
      timer = undefined;
    },
    size: () => items.size,
    running: () => timer !== undefined,
  };
}
