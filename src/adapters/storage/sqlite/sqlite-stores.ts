import type Database from 'better-sqlite3';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../domain/ports/logger.js';
import type { Stores } from '../stores.js';
import { createSqliteClientStore } from './client-store.js';
import { createSqliteConsentStore } from './consent-store.js';
import { openDatabase } from './database.js';
import { createGuard, errorCode, isUnavailable } from './errors.js';
import { createSqliteFlowStore } from './flow-store.js';
import { createSqliteGrantStore } from './grant-store.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  readonly logger?: Logger;
  /** How long a writer waits for another connection's lock before `storage_unavailable`. */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function openMigrated(path: string, options: SqliteStoreOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = openDatabase(path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    migrate(db, MIGRATIONS, options.logger);
    return db;
  } catch (error) {
    db?.close();
    if (isDomainError(error)) throw new DomainError(error.code, `${path}: ${error.message}`);
    if (isUnavailable(error)) throw new DomainError('storage_unavailable', `cannot open the SQLite database ${path} (${errorCode(error)})`);
    throw error;
  }
}

/**
 * The embedded default storage: one SQLite file (better-sqlite3, synchronous, so each store method
 * runs to completion before it resolves). Opens, creates or migrates the database; throws
 * `DomainError('storage_unavailable')` when it cannot. docs/storage-schema.md describes the schema.
 */
export function openSqliteStores(path: string, options: SqliteStoreOptions = {}): Stores {
  const db = openMigrated(path, options);
  const guard = createGuard(db, options.logger);
  return {
    clients: createSqliteClientStore(db, guard),
    flows: createSqliteFlowStore(db, guard),
    grants: createSqliteGrantStore(db, guard),
    consents: createSqliteConsentStore(db, guard),
    close: async () => {
      if (db.open) db.close();
    },
  };
}
