import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../../src/adapters/storage/sqlite/database.js';
import { migrate } from '../../../src/adapters/storage/sqlite/migrate.js';
import { MIGRATIONS } from '../../../src/adapters/storage/sqlite/migrations.js';
import { createCapturingLogger } from './sqlite-harness.js';

/**
 * One "process" of sqlite-migrate-race.test.ts: its own thread and connection. It answers `ready`,
 * blocks until the test opens the gate (so all of them open the fresh file together), migrates and
 * answers with how many steps it applied itself. Loaded as a plain file by the test runner too,
 * where it does nothing.
 */
export interface MigratorData {
  readonly path: string;
  /** Int32 gate: 0 until the test lets every migrator go. */
  readonly gate: SharedArrayBuffer;
}

export type MigratorMessage = { readonly type: 'ready' } | { readonly type: 'done'; readonly applied: number } | { readonly type: 'failed'; readonly error: string };

function run(port: NonNullable<typeof parentPort>, data: MigratorData): void {
  port.postMessage({ type: 'ready' } satisfies MigratorMessage);
  Atomics.wait(new Int32Array(data.gate), 0, 0);
  const logger = createCapturingLogger();
  try {
    const db = openDatabase(data.path, 10_000);
    try {
      migrate(db, MIGRATIONS, logger);
    } finally {
      db.close();
    }
    port.postMessage({ type: 'done', applied: logger.events.filter((entry) => entry.event === 'storage.migrated').length } satisfies MigratorMessage);
  } catch (error) {
    port.postMessage({ type: 'failed', error: String(error) } satisfies MigratorMessage);
  }
}

if (!isMainThread && parentPort !== null) run(parentPort, workerData as MigratorData);
