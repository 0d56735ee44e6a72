import type Database from 'better-sqlite3';
import type { FlowStore } from '../../../domain/ports/stores.js';
import type { Guard } from './errors.js';

/** The namespace is part of the primary key, so an id is only ever found in its own namespace (F12). */
export function createSqliteFlowStore(db: Database.Database, guard: Guard): FlowStore {
  const sql = {
    put: db.prepare(`INSERT INTO flows (namespace, id, payload, expires_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (namespace, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at`),
    peek: db.prepare('SELECT payload FROM flows WHERE namespace = ? AND id = ? AND expires_at > ?').pluck(),
    // One statement deletes and returns: of concurrent callers, in any process, exactly one gets the row.
    take: db.prepare('DELETE FROM flows WHERE namespace = ? AND id = ? AND expires_at > ? RETURNING payload').pluck(),
    purge: db.prepare('DELETE FROM flows WHERE expires_at <= ?'),
  };
  return {
    put: (namespace, id, payload, expiresAt) =>
      guard('flows.put', () => {
        sql.put.run(namespace, id, payload, expiresAt);
      }),
    peek: (namespace, id, now) => guard('flows.peek', () => sql.peek.get(namespace, id, now) as string | undefined),
    take: (namespace, id, now) => guard('flows.take', () => sql.take.get(namespace, id, now) as string | undefined),
    purgeExpired: (now) => guard('flows.purgeExpired', () => sql.purge.run(now).changes),
  };
}
