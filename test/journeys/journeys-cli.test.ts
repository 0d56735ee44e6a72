import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSqliteJourneyStore } from '../../src/adapters/storage/sqlite/journey-store.js';
import { journeysCommand } from '../../src/app/journeys-cli.js';
import { JOURNEY_RETENTION } from '../../src/app/journeys.js';
import type { Journey } from '../../src/domain/journeys/journey.js';
import { tempFolder } from '../adapters/storage/sqlite-harness.js';
import { aJourney } from '../contracts/journey-store.js';
import { startKeyway } from '../support/keyway.js';
import { scriptedClient } from './scripted-client.js';

const SECRET = 'ab'.repeat(32);

async function dataDir(t: TestContext, journeys: readonly Journey[] = []): Promise<string> {
  const folder = await tempFolder();
  t.after(() => folder.remove());
  if (journeys.length > 0) {
    const store = openSqliteJourneyStore(folder.dbPath, { retention: JOURNEY_RETENTION });
    await store.save(journeys);
    await store.close();
  }
  return folder.dir;
}

async function run(argv: readonly string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await journeysCommand(argv, env, { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`) });
  return { code, out, err };
}

test('lists the most recent journeys, newest first, with where each stopped, who and the steps', async (t) => {
  const older = aJourney({ endedAt: 1_800_000_000 });
  const newer = aJourney({ endedAt: 1_800_000_100, verdict: { code: 'token_missing', text: 'authorized, never called /token — a firewall in front?' } });
  const dir = await dataDir(t, [older, newer]);
  const all = await run([], { KEYWAY_DATA_DIR: dir });
  assert.equal(all.code, 0);
  const firewall = all.out.indexOf('authorized, never called /token — a firewall in front?');
  assert.ok(firewall >= 0 && firewall < all.out.indexOf('registered, never called /authorize'), all.out);
  assert.match(all.out, /client client-a, client-b · from 203\.0\.113\.7 · redirect https:\/\/claude\.ai/);
  assert.match(all.out, /\+0s probe 401 → \+20s register 201/);
  const one = await run(['--limit', '1'], { KEYWAY_DATA_DIR: dir });
  assert.ok(!one.out.includes('registered, never called /authorize'), one.out);
});

test('a journey that saw more client ids or redirect hosts than it keeps says how many more', async (t) => {
  const journey = aJourney({ clientIds: ['a', 'b', 'c', 'd'], overflow: { clientIds: 2, browsers: 7, redirectHosts: 96 } });
  const { code, out } = await run([], { KEYWAY_DATA_DIR: await dataDir(t, [journey]) });
  assert.equal(code, 0);
  assert.match(out, /client a, b, c, d \(\+2 more\) · from 203\.0\.113\.7 · redirect https:\/\/claude\.ai \(\+96 more\)/);
});

test('--json prints the journeys as one JSON array', async (t) => {
  const journey = aJourney();
  const dir = await dataDir(t, [journey]);
  const { code, out } = await run(['--json'], { KEYWAY_STORE: `sqlite:${join(dir, 'keyway.db')}` });
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out), [journey]);
});

test('with the memory store it says the journeys are only in the running process\'s log', async () => {
  const { code, err } = await run([], { KEYWAY_STORE: 'memory' });
  assert.equal(code, 1);
  assert.match(err, /only in its log.*keyway\.journey/);
});

test('no database yet: says so and creates nothing; a bad --limit is a usage error', async (t) => {
  const dir = await dataDir(t);
  const missing = await run([], { KEYWAY_DATA_DIR: dir });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no database at/);
  assert.equal(existsSync(join(dir, 'keyway.db')), false);
  for (const argv of [['--limit', '0'], ['--limit'], ['--verbose']]) assert.equal((await run(argv, { KEYWAY_DATA_DIR: dir })).code, 2);
});

test('`node main.js journeys` lists what a real Keyway recorded in its SQLite database', async (t) => {
  const dir = await dataDir(t);
  const env = { KEYWAY_DATA_DIR: dir, KEYWAY_SECRET: SECRET, KEYWAY_TRUST_PROXY: '127.0.0.1' };
  const keyway = await startKeyway(t, { ...env, KEYWAY_STORE: '' });
  await scriptedClient(keyway.origin, '203.0.113.5').probe();
  await keyway.running.stop();
  const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [main, 'journeys'], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  assert.match(stdout, /probed, never fetched metadata {2}\[shutdown\]/);
  assert.match(stdout, /from 203\.0\.113\.5/);
});
