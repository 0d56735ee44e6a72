import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Creates the data folder (0700) if missing and the database file with mode 0600 before SQLite
 * opens it; SQLite gives its `-wal` and `-shm` files the database file's mode. Refresh-token
 * hashes and sealed upstream tokens are nobody else's business.
 */
function prepareFile(path: string): void {
  const folder = dirname(path);
  if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/**
 * Opens the database with the connection settings every store relies on: WAL (readers never block
 * the writer), `foreign_keys` (codes and tokens die with their grant), a busy timeout (writers from
 * other processes or threads queue instead of failing), and `synchronous = FULL` so a committed
 * rotation survives a power cut (L3).
 * @see https://www.sqlite.org/wal.html, https://www.sqlite.org/pragma.html
 */
export function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  if (path !== ':memory:') prepareFile(path);
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
