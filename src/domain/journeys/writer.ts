import type { Clock } from '../ports/clock.js';
import type { JourneyStore } from '../ports/journeys.js';
import type { Logger } from '../ports/logger.js';
import type { Journey } from './journey.js';

/**
 * Writes ended journeys to the store in batches, off the request path: a request that ends a
 * journey (or evicts one) only queues it; the caller's timer calls `flush`, which writes the whole
 * queue in one transaction and then prunes the store once. So a flood of ended journeys costs one
 * write and one prune per tick, not one per journey.
 *
 * The queue is bounded: beyond `maxQueued` the oldest queued journeys are dropped (and counted in
 * a warning). With `maxQueued` equal to the store's retention nothing is lost that the store would
 * have kept: more recent journeys would have pruned them anyway. Every journey's log line is
 * written when it ends, before it is queued.
 */
export interface JourneyWriter {
  /** Queues ended journeys; no I/O. */
  enqueue(journeys: readonly Journey[]): void;
  /**
   * Writes everything queued when it starts, in one `save`, then prunes. Flushes run one after
   * another; a flush asked for while another waits to start joins it. Never rejects: a failed
   * write is logged and its batch dropped.
   */
  flush(): Promise<void>;
  /** Journeys queued and not yet being written. */
  readonly queued: number;
}

export interface JourneyWriterOptions {
  readonly maxQueued: number;
}

export function createJourneyWriter(store: JourneyStore, options: JourneyWriterOptions, deps: { readonly clock: Clock; readonly logger: Logger }): JourneyWriter {
  let queue: Journey[] = [];
  let dropped = 0;
  let tail: Promise<void> = Promise.resolve();
  let waiting = false;

  /** Keeps the newest `maxQueued`; trims in steps so a full queue costs O(1) per journey, amortized. */
  const trim = (limit: number): void => {
    if (queue.length <= limit) return;
    dropped += queue.length - options.maxQueued;
    queue = queue.slice(-options.maxQueued);
  };

  async function write(): Promise<void> {
    trim(options.maxQueued);
    const batch = queue;
    const skipped = dropped;
    queue = [];
    dropped = 0;
    if (skipped > 0) deps.logger.warn('journey.save_skipped', { dropped: skipped, reason: 'queue_full' });
    if (batch.length === 0) return;
    try {
      await store.save(batch);
      await store.prune(deps.clock.now());
    } catch (error) {
      deps.logger.warn('journey.save_failed', { journeys: batch.length, error: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    enqueue(journeys) {
      queue.push(...journeys);
      trim(2 * options.maxQueued);
    },
    flush() {
      if (!waiting) {
        waiting = true;
        tail = tail.then(() => {
          waiting = false;
          return write();
        });
      }
      return tail;
    },
    get queued() {
      return queue.length;
    },
  };
}
