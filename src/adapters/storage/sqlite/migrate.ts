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

function refuseNewer(found: number, known: number): void {
  if (found <= known) return;
  throw new DomainError(
    'storage_unavailable',
    `the database schema is version ${found}, newer than this Keyway understands (${known}); upgrade Keyway or use another database`,
  );
}

/**
 * Brings the schema up to the newest step. Every pending step runs in ONE IMMEDIATE transaction
 * that first re-reads the version, so a first boot pays for one commit (one fsync with
 * `synchronous = FULL`) instead of one per step, and either ends fully migrated or unchanged. Two
 * processes opening the same file at once apply each step once (the second waits for the write
 * lock, then finds nothing pending); running again is a no-op that takes no write lock. A database
 * written by a newer Keyway is refused rather than half-understood.
 * @see https://www.sqlite.org/lang_transaction.html
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], logger?: Logger): number {
  db.exec(LEDGER);
  const known = migrations.reduce((newest, step) => Math.max(newest, step.version), 0);
  const found = currentVersion(db);
  refuseNewer(found, known);
  if (found === known) return found;
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, unixepoch())');
  const applied = db
    .transaction(() => {
      const current = currentVersion(db);
      refuseNewer(current, known);
      const pending = migrations.filter((step) => step.version > current).sort((a, b) => a.version - b.version);
      for (const step of pending) {
        db.exec(step.sql);
        record.run(step.version, step.name);
      }
      return pending;
    })
    .immediate();
  for (const step of applied) logger?.info('storage.migrated', { version: step.version, name: step.name });
  return known;
}
