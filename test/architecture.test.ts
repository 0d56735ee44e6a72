import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The dependency rule as a test (DESIGN.md, CONVENTIONS.md rule 1). Reads the TypeScript sources. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../');
const src = join(root, 'src');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : Promise.resolve(entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))),
  );
  return nested.flat();
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

/** Where a relative specifier points, as a path under src (`domain/…`, `adapters/…`), else the package. */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return `package:${specifier}`;
  return relative(src, resolve(dirname(file), specifier)).split('\\').join('/');
}

async function violations(rule: (from: string, to: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const file of await sourceFiles(src)) {
    const from = relative(src, file).split('\\').join('/');
    for (const specifier of await importsOf(file)) {
      const to = target(file, specifier);
      if (rule(from, to)) found.push(`${from} imports ${specifier}`);
    }
  }
  return found;
}

test('the domain imports only the domain (no node:, SDK, zod or tsyringe)', async () => {
  const found = await violations((from, to) => from.startsWith('domain/') && !to.startsWith('domain/'));
  assert.deepEqual(found, []);
});

test('only src/app and src/main.ts import adapters', async () => {
  const found = await violations(
    (from, to) => to.startsWith('adapters/') && !from.startsWith('adapters/') && !from.startsWith('app/') && from !== 'main.ts',
  );
  assert.deepEqual(found, []);
});

test('adapters never import the composition root', async () => {
  const found = await violations((from, to) => from.startsWith('adapters/') && (to.startsWith('app/') || to === 'main.js'));
  assert.deepEqual(found, []);
});

test('tsyringe is used in src/app only', async () => {
  const found = await violations((from, to) => to === 'package:tsyringe' && !from.startsWith('app/'));
  assert.deepEqual(found, []);
});

test('the rule checker sees violations (it can fail)', async () => {
  const found = await violations((from, to) => from === 'app/container.ts' && to.startsWith('adapters/'));
  assert.ok(found.length > 0, 'the container imports adapters, so the checker must report them');
});
