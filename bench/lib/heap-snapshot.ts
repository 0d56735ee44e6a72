import { readFileSync } from 'node:fs';

/**
 * Reads a V8 heap snapshot (what `v8.writeHeapSnapshot` writes) and totals the self size and count
 * of live objects per kind: `object:<constructor>`, `closure:<function>`, or the node type
 * (`array`, `string`, `code`, …). Diffing two of them per stream shows what an idle stream holds.
 * @see https://v8.dev/docs/heap-snapshot-format (node fields: type, name, id, self_size, …)
 */
export interface KindTotals {
  readonly bytes: number;
  readonly count: number;
}

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[]; readonly node_types: readonly [readonly string[], ...unknown[]] } };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

export function totalsByKind(path: string): Map<string, KindTotals> {
  const snapshot = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const totals = new Map<string, KindTotals>();
  for (let index = 0; index < snapshot.nodes.length; index += fields.length) {
    const type = types[snapshot.nodes[index + typeAt] ?? 0] ?? 'unknown';
    const name = snapshot.strings[snapshot.nodes[index + nameAt] ?? 0] ?? '';
    const kind = type === 'object' || type === 'closure' ? `${type}:${name === '' ? '(anonymous)' : name}` : type;
    const before = totals.get(kind) ?? { bytes: 0, count: 0 };
    totals.set(kind, { bytes: before.bytes + (snapshot.nodes[index + sizeAt] ?? 0), count: before.count + 1 });
  }
  return totals;
}

export interface KindDelta {
  readonly kind: string;
  readonly bytesPerItem: number;
  readonly countPerItem: number;
}

/** `(after − before) / items` per kind, largest first. */
export function perItem(before: Map<string, KindTotals>, after: Map<string, KindTotals>, items: number): KindDelta[] {
  return [...after.entries()]
    .map(([kind, totals]) => {
      const base = before.get(kind) ?? { bytes: 0, count: 0 };
      return { kind, bytesPerItem: (totals.bytes - base.bytes) / items, countPerItem: (totals.count - base.count) / items };
    })
    .sort((a, b) => b.bytesPerItem - a.bytesPerItem);
}
