import type Database from 'better-sqlite3';
import type { Client } from '../../../domain/clients/client.js';
import type { ClientStore } from '../../../domain/ports/stores.js';
import type { Guard } from './errors.js';
import { fromRow, names, params, toRow, updates } from './rows.js';
import { CLIENTS } from './tables.js';

const UNUSED = `SELECT client_id FROM clients WHERE kind IN ('dynamic', 'metadata_document') AND last_used_at < @cutoff`;

export function createSqliteClientStore(db: Database.Database, guard: Guard): ClientStore {
  const sql = {
    // An upsert, never INSERT OR REPLACE: replacing deletes the row first, which is not what a refresh of a cached client means.
    save: db.prepare(`INSERT INTO clients (${names(CLIENTS)}) VALUES (${params(CLIENTS)})
      ON CONFLICT (client_id) DO UPDATE SET ${updates(CLIENTS, ['client_id'])}`),
    find: db.prepare('SELECT * FROM clients WHERE client_id = ?'),
    touch: db.prepare('UPDATE clients SET last_used_at = max(last_used_at, ?) WHERE client_id = ?'),
    forgetConsents: db.prepare(`DELETE FROM consents WHERE client_id IN (${UNUSED})`),
    // Codes and tokens of these grants go by ON DELETE CASCADE.
    deleteGrants: db.prepare(`DELETE FROM grants WHERE client_id IN (${UNUSED})`),
    deleteClients: db.prepare(`DELETE FROM clients WHERE kind IN ('dynamic', 'metadata_document') AND last_used_at < @cutoff`),
  };
  /** An expired registration takes its grants, tokens and consents with it (as the memory store does). */
  const deleteUnused = db.transaction((cutoff: number): number => {
    sql.forgetConsents.run({ cutoff });
    sql.deleteGrants.run({ cutoff });
    return sql.deleteClients.run({ cutoff }).changes;
  });
  return {
    save: (client) =>
      guard('clients.save', () => {
        sql.save.run(toRow(client, CLIENTS));
      }),
    find: (clientId) =>
      guard('clients.find', () => {
        const row = sql.find.get(clientId);
        return row === undefined ? undefined : fromRow<Client>(row, CLIENTS);
      }),
    touch: (clientId, now) =>
      guard('clients.touch', () => {
        sql.touch.run(now, clientId);
      }),
    deleteUnusedBefore: (cutoff) => guard('clients.deleteUnusedBefore', () => deleteUnused.immediate(cutoff)),
  };
}
