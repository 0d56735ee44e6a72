import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadPacks } from '../../../src/adapters/mcp/pack-loader.js';
import { createServerFactory } from '../../../src/adapters/mcp/server-factory.js';
import type { Logger } from '../../../src/domain/ports/logger.js';
import type { Pack } from '../../../src/domain/tools/pack.js';
import { conformancePack } from '../../fixtures/conformance-pack.js';

/** `KEYWAY_PACKS` entries: built-in names, module paths and URLs, and the errors a bad entry gets. */

const builtin: Pack = { name: 'diagnostics', tools: [] };
const BUILTINS = Object.freeze({ diagnostics: builtin });

const GOOD_TOOL = `{ name: 'hello', description: 'Says hello', inputSchema: { type: 'object' }, handler: async () => ({ content: [{ type: 'text', text: 'hello' }] }) }`;

/** Writes `source` as an ES module in a fresh temporary folder and returns its absolute path. */
async function moduleFile(t: TestContext, name: string, source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keyway-pack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

describe('loadPacks', () => {
  test('a built-in name yields the built-in pack itself', async () => {
    const [pack] = await loadPacks(['diagnostics'], BUILTINS);
    assert.equal(pack, builtin);
  });

  test('a module loads by relative path, absolute path or file URL, from its default or `pack` export', async (t) => {
    const byDefault = await moduleFile(t, 'default.mjs', `export default { name: 'by-default', tools: [${GOOD_TOOL}] };`);
    const byName = await moduleFile(t, 'named.mjs', `export const pack = { name: 'by-name', tools: [${GOOD_TOOL}] };`);
    const packs = await loadPacks([relative(process.cwd(), byDefault), byName, pathToFileURL(byDefault).href, 'diagnostics'], BUILTINS);
    assert.deepEqual(
      packs.map((pack) => pack.name),
      ['by-default', 'by-name', 'by-default', 'diagnostics'],
    );
    const hello = packs[0]?.tools?.[0];
    assert.deepEqual(await hello?.handler({}, undefined as never), { content: [{ type: 'text', text: 'hello' }] });
  });

  test('an unknown name says it is neither built in nor a module', async () => {
    await assert.rejects(loadPacks(['diagnostic'], BUILTINS), {
      name: 'DomainError',
      code: 'pack_invalid',
      message: /^KEYWAY_PACKS entry "diagnostic": it is not a built-in pack \(diagnostics\) and there is no module at file:/,
    });
  });

  test('a module that fails to load is reported with its error', async (t) => {
    const file = await moduleFile(t, 'throws.mjs', `throw new Error('pack exploded');`);
    await assert.rejects(loadPacks([file], BUILTINS), { message: `KEYWAY_PACKS entry "${file}": the module failed to load (pack exploded)` });
  });

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ['no export', `export const other = 1;`, 'the module has neither a default export nor an export named "pack"'],
    ['not an object', `export default 42;`, 'the export is not an object'],
    ['no name', `export default { tools: [] };`, 'the pack has no name'],
    ['tools not an array', `export default { name: 'p', tools: {} };`, 'tools is not an array'],
    ['tool without handler', `export default { name: 'p', tools: [{ name: 'x', description: 'd', inputSchema: { type: 'object' } }] };`, 'tools[0] ("x") has no handler function'],
    ['tool with a non-object schema', `export default { name: 'p', tools: [{ name: 'x', description: 'd', inputSchema: { type: 'string' }, handler() {} }] };`, 'tools[0] ("x") needs an inputSchema whose type is "object"'],
    ['resource without a URI', `export default { name: 'p', resources: [{ name: 'r', uri: 'not a uri', read() {} }] };`, 'resources[0] ("r") needs a uri that parses as a URI'],
    ['template without read', `export default { name: 'p', resourceTemplates: [{ name: 't', uriTemplate: 'x://{id}' }] };`, 'resourceTemplates[0] ("t") has no read function'],
    ['prompt with bad arguments', `export default { name: 'p', prompts: [{ name: 'q', get() {}, arguments: ['a'] }] };`, 'prompts[0] ("q") has arguments that are not a list of { name }'],
  ];
  for (const [what, source, reason] of malformed) {
    test(`a module whose pack is malformed (${what}) is refused, naming the entry and the problem`, async (t) => {
      const file = await moduleFile(t, 'bad.mjs', source);
      await assert.rejects(loadPacks(['diagnostics', file], BUILTINS), { code: 'pack_invalid', message: `KEYWAY_PACKS entry "${file}": ${reason}` });
    });
  }

  test('the conformance fixture pack passes the structural checks and compiles into a server factory', async () => {
    const [pack] = await loadPacks([new URL('../../fixtures/conformance-pack.js', import.meta.url).href], BUILTINS);
    assert.equal(pack, conformancePack);
    const factory = createServerFactory({ packs: [conformancePack], name: 'keyway', version: '0', logger: silent });
    assert.equal(typeof factory, 'function');
  });
});
