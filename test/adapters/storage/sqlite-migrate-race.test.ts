import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../../src/adapters/storage/sqlite/migrations.js';
import { tempFolder } from './sqlite-harness.js';
import type { MigratorData, MigratorMessage } from './sqlite-migrate-worker.js';

const MIGRATORS = 4;

/** Starts a migrator thread; resolves once it waits at the gate, with its outcome to come. */
async function startMigrator(data: MigratorData): Promise<{ readonly outcome: Promise<MigratorMessage> }> {
  const worker = new Worker(new URL('./sqlite-migrate-worker.js', import.meta.url), { workerData: data });
  const [ready] = (await once(worker, 'message')) as [MigratorMessage];
  assert.equal(ready.type, 'ready');
  // A thread that dies without answering fails the test instead of leaving it waiting.
  const exited = once(worker, 'exit').then(([code]) => Promise.reject(new Error(`migrator exited with ${String(code)} before answering`)));
  const outcome = Promise.race([once(worker, 'message') as Promise<[MigratorMessage]>, exited]).then(async ([message]) => {
    await worker.terminate();
    return message;
  });
  exited.catch(() => undefined);
  return { outcome };
}

test(`${MIGRATORS} processes booting a fresh file at once: every one opens it, each step is applied once, by one of them`, async (t) => {
  const folder = await tempFolder();
  t.after(() => folder.remove());
  const data: MigratorData = { path: folder.dbPath, gate: new SharedArrayBuffer(4) };
  const migrators = await Promise.all(Array.from({ length: MIGRATORS }, () => startMigrator(data)));
  const gate = new Int32Array(data.gate);
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  const results = await Promise.all(migrators.map((migrator) => migrator.outcome));
  assert.deepEqual(
    results.map((result) => result.type),
    Array.from({ length: MIGRATORS }, () => 'done'),
    JSON.stringify(results),
  );
  const applied = results.map((result) => (result.type === 'done' ? result.applied : -1)).sort((a, b) => b - a);
  assert.deepEqual(applied, [MIGRATIONS.length, ...Array.from({ length: MIGRATORS - 1 }, () => 0)], 'one boot applies them all, in one transaction');
  const db = new Database(folder.dbPath, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), MIGRATIONS.map((step) => step.version));
});
