import type Database from 'better-sqlite3';
import type { Journey } from '../../../domain/journeys/journey.js';
import type { JourneyRetention, JourneyStore } from '../../../domain/ports/journeys.js';
import type { Logger } from '../../../domain/ports/logger.js';
import { openDatabase } from './database.js';
import { createGuard, type Guard } from './errors.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';

export interface SqliteJourneyStoreOptions {
  readonly retention: JourneyRetention;
  readonly logger?: Logger;
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Ended journeys in the `journeys` table of Keyway's database (migration 2), on a connection of
 * their own: journeys are written in batches (one transaction each) off the request path.
 */
export function openSqliteJourneyStore(path: string, options: SqliteJourneyStoreOptions): JourneyStore {
  const db = openDatabase(path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  try {
    migrate(db, MIGRATIONS, options.logger);
  } catch (error) {
    db.close();
    throw error;
  }
  return createSqliteJourneyStore(db, createGuard(db, options.logger), options.retention);
}

export function createSqliteJourneyStore(db: Database.Database, guard: Guard, retention: JourneyRetention): JourneyStore {
  const sql = {
    save: db.prepare(`INSERT INTO journeys (id, started_at, ended_at, verdict, body) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, verdict = excluded.verdict, body = excluded.body`),
    recent: db.prepare('SELECT body FROM journeys ORDER BY ended_at DESC, started_at DESC LIMIT ?').pluck(),
    pruneOld: db.prepare('DELETE FROM journeys WHERE ended_at < ?'),
    pruneExtra: db.prepare('DELETE FROM journeys WHERE id IN (SELECT id FROM journeys ORDER BY ended_at DESC, started_at DESC LIMIT -1 OFFSET ?)'),
  };
  const saveAll = db.transaction((journeys: readonly Journey[]) => {
    for (const journey of journeys) sql.save.run(journey.id, journey.startedAt, journey.endedAt, journey.verdict.code, JSON.stringify(journey));
  });
  return {
    save: (journeys) =>
      guard('journeys.save', () => {
        saveAll(journeys);
      }),
    recent: (limit) => guard('journeys.recent', () => (sql.recent.all(Math.max(0, Math.trunc(limit))) as string[]).map((body) => JSON.parse(body) as Journey)),
    prune: (now) =>
      guard('journeys.prune', () => {
        const old = sql.pruneOld.run(now - retention.maxAgeSeconds).changes;
        return old + sql.pruneExtra.run(retention.maxJourneys).changes;
      }),
    close: async () => {
      if (db.open) db.close();
    },
  };
}
