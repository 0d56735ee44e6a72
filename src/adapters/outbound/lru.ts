/** A map that keeps at most `capacity` entries, dropping the least recently used first. */
export interface Lru<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  readonly size: number;
}

/** Map iteration order is insertion order, so re-inserting on every touch makes the first key the oldest. */
export function createLru<V>(capacity: number): Lru<V> {
  if (!Number.isInteger(capacity) || capacity < 0) throw new Error('lru: capacity must be a non-negative integer');
  const entries = new Map<string, V>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      entries.delete(key);
      if (capacity === 0) return;
      entries.set(key, value);
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
