import type Database from 'better-sqlite3';
import type { Consent } from '../../../domain/grants/grant.js';
import type { ConsentStore } from '../../../domain/ports/stores.js';
import type { Guard } from './errors.js';
import { fromRow, names, params, toRow } from './rows.js';
import { CONSENTS } from './tables.js';

export function createSqliteConsentStore(db: Database.Database, guard: Guard): ConsentStore {
  const sql = {
    remember: db.prepare(`INSERT INTO consents (${names(CONSENTS)}) VALUES (${params(CONSENTS)})
      ON CONFLICT (subject, client_id, redirect_uri, scope_key) DO UPDATE SET created_at = excluded.created_at`),
    find: db.prepare('SELECT * FROM consents WHERE subject = ? AND client_id = ? AND redirect_uri = ? AND scope_key = ?'),
    forgetClient: db.prepare('DELETE FROM consents WHERE client_id = ?'),
  };
  return {
    remember: (consent) =>
      guard('consents.remember', () => {
        sql.remember.run(toRow(consent, CONSENTS));
      }),
    find: (subject, clientId, redirectUri, scopeKey) =>
      guard('consents.find', () => {
        const row = sql.find.get(subject, clientId, redirectUri, scopeKey);
        return row === undefined ? undefined : fromRow<Consent>(row, CONSENTS);
      }),
    forgetClient: (clientId) =>
      guard('consents.forgetClient', () => {
        sql.forgetClient.run(clientId);
      }),
  };
}
