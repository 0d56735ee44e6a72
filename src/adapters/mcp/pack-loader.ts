import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DomainError } from '../../domain/errors.js';
import type { Pack } from '../../domain/tools/pack.js';
import { packProblem } from './pack-shape.js';

/**
 * `KEYWAY_PACKS`: each entry is a built-in pack's name or a module — a path (relative paths are
 * taken from the working directory) or a `file:` URL — whose default export, or named export
 * `pack`, is a {@link Pack}. A bad entry stops start-up with a message naming it.
 */

const URL_SCHEME = /^[a-z][a-z\d+.-]*:/i;

/** Where to import a spec from. A Windows drive letter (`C:\…`) is a path, not a scheme. */
function moduleUrl(spec: string): string {
  if (URL_SCHEME.test(spec) && !isAbsolute(spec)) return spec;
  return pathToFileURL(resolve(process.cwd(), spec)).href;
}

function invalid(spec: string, reason: string): DomainError {
  return new DomainError('pack_invalid', `KEYWAY_PACKS entry "${spec}": ${reason}`);
}

/** False only for a `file:` URL with nothing behind it (so a typo'd built-in name reads as one). */
async function exists(url: string): Promise<boolean> {
  if (!url.startsWith('file:')) return true;
  return access(fileURLToPath(url)).then(
    () => true,
    () => false,
  );
}

async function importModule(spec: string, builtinNames: readonly string[]): Promise<Record<string, unknown>> {
  const url = moduleUrl(spec);
  if (!(await exists(url))) {
    const builtins = builtinNames.length > 0 ? builtinNames.join(', ') : 'none';
    throw invalid(spec, `it is not a built-in pack (${builtins}) and there is no module at ${url}`);
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw invalid(spec, `the module failed to load (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The module's default export if it is an object, else its `pack` export. */
function exportedPack(spec: string, module: Record<string, unknown>): Pack {
  const candidate = module['default'] ?? module['pack'];
  if (candidate === undefined) throw invalid(spec, 'the module has neither a default export nor an export named "pack"');
  const problem = packProblem(candidate);
  if (problem !== undefined) throw invalid(spec, problem);
  return candidate as Pack;
}

async function loadPack(spec: string, builtins: Readonly<Record<string, Pack>>): Promise<Pack> {
  if (Object.hasOwn(builtins, spec)) return builtins[spec] as Pack;
  return exportedPack(spec, await importModule(spec, Object.keys(builtins)));
}

/** Loads every pack, in order. Name clashes between packs are reported by the server factory. */
export async function loadPacks(specs: readonly string[], builtins: Readonly<Record<string, Pack>>): Promise<Pack[]> {
  const packs: Pack[] = [];
  for (const spec of specs) packs.push(await loadPack(spec, builtins));
  return packs;
}
