import { fileURLToPath } from 'node:url';

/**
 * Where things are, from the compiled bench (`bench/.build/bench/**`): the repository root holds
 * `dist/main.js`; results go to `bench/results/`. Never written into any output.
 */
const root = new URL('../../../../', import.meta.url);

export const REPO_ROOT = fileURLToPath(root);
export const KEYWAY_MAIN = fileURLToPath(new URL('dist/main.js', root));
export const RESULTS_DIR = fileURLToPath(new URL('bench/results/', root));
const servers = new URL('bench/.build/bench/servers/', root);

/** A compiled bench server script (`baseline`, `peer`, `bare`, `probe`). */
export function serverScript(name: string): string {
  return fileURLToPath(new URL(`${name}.js`, servers));
}
