import type Database from 'better-sqlite3';
import { DomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../domain/ports/logger.js';

/**
 * SQLite result codes that mean "the store cannot serve now" (locked past the busy timeout, disk or
 * file trouble), as opposed to a bug such as a constraint violation.
 * @see https://www.sqlite.org/rescode.html
 */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|CORRUPT|NOTADB|PROTOCOL|NOMEM|PERM|AUTH)/;

/** File-system failures while preparing the database file. */
const FILE_TROUBLE = /^E(ACCES|PERM|NOENT|NOTDIR|ISDIR|ROFS|NOSPC|IO)$/;

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (UNAVAILABLE.test(code) || FILE_TROUBLE.test(code));
}

/** Runs one store operation; an outage becomes `storage_unavailable` (callers answer 503). */
export type Guard = <T>(operation: string, work: () => T) => Promise<T>;

export function createGuard(db: Database.Database, logger?: Logger): Guard {
  return <T>(operation: string, work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      // better-sqlite3 throws a TypeError without a code once the connection is closed.
      if (!db.open || isUnavailable(error)) {
        const code = db.open ? errorCode(error) : 'closed';
        logger?.error('storage.unavailable', { operation, code });
        return Promise.reject(new DomainError('storage_unavailable', `storage unavailable (${code}) during ${operation}`));
      }
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}
