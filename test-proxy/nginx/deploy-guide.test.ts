import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { startNginx } from '../../test/support/nginx.js';

/**
 * Issue 5 item 4: the nginx configuration in docs/deploy.md is the tested one. Its `upstream` and
 * `location /` blocks must hold, directive for directive, what the suite's nginx runs (addresses,
 * certificates and server name aside).
 */
const GUIDE = new URL('../../../docs/deploy.md', import.meta.url);

/** The directives inside `block { … }` of an nginx configuration, comments and indentation dropped. */
function directives(config: string, block: string): string[] {
  const start = config.indexOf(`${block} {`);
  assert.ok(start >= 0, `no "${block} {" in ${config}`);
  const body = config.slice(start + block.length + 2, config.indexOf('}', start));
  return body.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter((line) => line !== '');
}

/** The first ```nginx block of the guide's "nginx (tested)" section. */
async function guideConfig(): Promise<string> {
  const guide = await readFile(GUIDE, 'utf8');
  const section = guide.slice(guide.indexOf('## 2. nginx (tested)'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'docs/deploy.md has no nginx block in its "nginx (tested)" section');
  return block;
}

const withoutServer = (lines: string[]): string[] => lines.filter((line) => !line.startsWith('server '));

test('docs/deploy.md shows the upstream and location blocks the suite runs through', async (t) => {
  const documented = await guideConfig();
  const tested = (await startNginx(t, { upstream: 'http://127.0.0.1:9' })).config;
  assert.deepEqual(directives(documented, 'location /'), directives(tested, 'location /'));
  assert.deepEqual(withoutServer(directives(documented, 'upstream keyway')), withoutServer(directives(tested, 'upstream keyway')));
  assert.match(documented, /listen 443 ssl;/);
});
