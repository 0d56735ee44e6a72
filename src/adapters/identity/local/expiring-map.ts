import type { Clock } from '../../../domain/ports/clock.js';

/** An entry that stops existing at `expiresAt` (epoch seconds). */
export interface Expiring {
  readonly expiresAt: number;
}

/**
 * A small in-memory map whose entries expire and whose size is capped: at the cap the oldest entry
 * is dropped, so a flood of abandoned sign-ins costs bounded memory. Entries are inserted with one
 * lifetime, so insertion order is expiry order and purging stops at the first live entry.
 */
export interface ExpiringMap<V extends Expiring> {
  set(key: string, value: V): void;
  /** The live entry, or `undefined` when absent or expired. */
  get(key: string): V | undefined;
  /** Removes and returns the live entry (single use). */
  take(key: string): V | undefined;
  delete(key: string): void;
  readonly size: number;
}

export function createExpiringMap<V extends Expiring>(clock: Clock, maxEntries: number): ExpiringMap<V> {
  const entries = new Map<string, V>();

  function purge(): void {
    const now = clock.now();
    for (const [key, value] of entries) {
      if (value.expiresAt > now) return;
      entries.delete(key);
    }
  }

  function get(key: string): V | undefined {
    const value = entries.get(key);
    if (value === undefined || value.expiresAt > clock.now()) return value;
    entries.delete(key);
    return undefined;
  }

  return {
    set(key, value) {
      purge();
      entries.delete(key);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
      entries.set(key, value);
    },
    get,
    take(key) {
      const value = get(key);
      entries.delete(key);
      return value;
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
