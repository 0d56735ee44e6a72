import type Database from 'better-sqlite3';
import { DomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../domain/ports/logger.js';
import type { Migration } from './migrations.js';

const LEDGER = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;

function currentVersion(db: Database.Database): number {
  const row = db.prepare('SELECT coalesce(max(version), 0) AS version FROM schema_migrations').get() as { version: number };
  return row.version;
}

/**
 * Brings the schema up to the newest step. Each step runs in one IMMEDIATE transaction that first
 * re-reads the version, so two processes opening the same file apply it once; running again is a
 * no-op. A database written by a newer Keyway is refused rather than half-understood.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], logger?: Logger): number {
  db.exec(LEDGER);
  const known = migrations.reduce((newest, step) => Math.max(newest, step.version), 0);
  const found = currentVersion(db);
  if (found > known) {
    throw new DomainError(
      'storage_unavailable',
      `the database schema is version ${found}, newer than this Keyway understands (${known}); upgrade Keyway or use another database`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, unixepoch())');
  for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
    const applied = db
      .transaction(() => {
        if (currentVersion(db) >= step.version) return false;
        db.exec(step.sql);
        record.run(step.version, step.name);
        return true;
      })
      .immediate();
    if (applied) logger?.info('storage.migrated', { version: step.version, name: step.name });
  }
  return Math.max(found, known);
}
