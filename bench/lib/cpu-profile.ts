import { readFileSync } from 'node:fs';

/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and answers "where does the time go":
 * self time per function, inclusive time per function (every sample whose stack holds it), and
 * self time per origin (Keyway, the MCP SDK, zod, ajv, SQLite, Node internals, GC).
 * @see https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile
 */
interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Share {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (non-idle) time. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly busyMs: number;
  readonly byOrigin: readonly Share[];
  readonly topSelf: readonly Share[];
  readonly topInclusive: readonly Share[];
}

const IDLE = new Set(['(idle)', '(root)']);

/** Which code a frame belongs to, from its script URL. */
export function originOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName === '(garbage collector)' ? 'GC' : frame.functionName === '(program)' ? 'V8/native (program)' : 'native';
  if (url.startsWith('node:')) return 'Node internals';
  const packages: ReadonlyArray<readonly [string, string]> = [
    ['/@modelcontextprotocol/', 'MCP SDK'],
    ['/zod/', 'zod'],
    ['/ajv', 'ajv'],
    ['/better-sqlite3/', 'better-sqlite3'],
    ['/tsyringe/', 'tsyringe'],
    ['/node_modules/', 'other packages'],
  ];
  for (const [marker, name] of packages) if (url.includes(marker)) return name;
  if (url.includes('/dist/')) return 'Keyway (dist)';
  return 'other';
}

function label(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  // Paths relative to the package or the repository: no path of this machine lands in the results.
  const file = url.includes('/node_modules/')
    ? url.replace(/^.*\/node_modules\//, '')
    : url.replace(/^.*\/(dist|bench)\//, '$1/');
  return `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${file}:${frame.lineNumber + 1}`;
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function top(map: Map<string, number>, busy: number, count: number): Share[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, ms: Math.round(micros / 100) / 10, percent: Math.round((micros / busy) * 1000) / 10 }));
}

export function summariseProfile(path: string, count = 30): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const origins = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined || IDLE.has(node.callFrame.functionName)) return;
    busy += delta;
    add(self, label(node.callFrame), delta);
    add(origins, originOf(node.callFrame), delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || IDLE.has(frame.functionName)) continue;
      const key = label(frame);
      if (!seen.has(key)) add(inclusive, key, delta);
      seen.add(key);
    }
  });
  return { busyMs: Math.round(busy / 1000), byOrigin: top(origins, busy, 20), topSelf: top(self, busy, count), topInclusive: top(inclusive, busy, count * 2) };
}
