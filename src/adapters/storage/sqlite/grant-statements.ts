import type Database from 'better-sqlite3';
import { names, params, type Table } from './rows.js';
import { ACCESS_TOKENS, CODES, GRANTS, REFRESH_TOKENS } from './tables.js';

const LIVE_GRANT = 'SELECT 1 FROM grants WHERE grant_id = @grant_id AND revoked_at IS NULL';

/**
 * A code or token row is inserted only while its grant exists and is not revoked — checked by the
 * same statement, so a revocation cannot slip in between the check and the insert.
 */
const attach = (db: Database.Database, name: string, columns: Table): Database.Statement =>
  db.prepare(`INSERT INTO ${name} (${names(columns)}) SELECT ${params(columns)} WHERE EXISTS (${LIVE_GRANT})`);

/** Deletes the codes and tokens of the grants `where` selects (`?` is its one parameter). */
const children = (db: Database.Database, where: string): readonly Database.Statement[] =>
  ['codes', 'access_tokens', 'refresh_tokens'].map((name) => db.prepare(`DELETE FROM ${name} WHERE ${where}`));

/** Every statement of the grant store, prepared once when the store opens. */
export function prepareGrantStatements(db: Database.Database) {
  return {
    createGrant: db.prepare(`INSERT INTO grants (${names(GRANTS)}) VALUES (${params(GRANTS)})`),
    findGrant: db.prepare('SELECT * FROM grants WHERE grant_id = ?'),
    revokeGrant: db.prepare('UPDATE grants SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL'),
    revokeClient: db.prepare('UPDATE grants SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL RETURNING grant_id').pluck(),
    deleteGrantChildren: children(db, 'grant_id = ?'),
    deleteClientChildren: children(db, 'grant_id IN (SELECT grant_id FROM grants WHERE client_id = ?)'),
    updateUpstream: db.prepare('UPDATE grants SET upstream_sealed = ? WHERE grant_id = ? AND revoked_at IS NULL'),

    saveCode: attach(db, 'codes', CODES),
    // @see RFC 6749 §4.1.2: the code is single use; the guard `consumed_at IS NULL` makes this a compare-and-set.
    consumeCode: db.prepare(
      'UPDATE codes SET consumed_at = @now WHERE code_hash = @hash AND consumed_at IS NULL AND expires_at > @now RETURNING *',
    ),
    findLiveCode: db.prepare('SELECT * FROM codes WHERE code_hash = @hash AND expires_at > @now'),
    findCode: db.prepare('SELECT * FROM codes WHERE code_hash = ?'),

    saveAccessToken: attach(db, 'access_tokens', ACCESS_TOKENS),
    findAccessToken: db.prepare(`SELECT a.* FROM access_tokens a JOIN grants g ON g.grant_id = a.grant_id
      WHERE a.token_hash = @hash AND a.expires_at > @now AND g.revoked_at IS NULL AND g.expires_at > @now`),

    saveRefreshToken: attach(db, 'refresh_tokens', REFRESH_TOKENS),
    findRefreshToken: db.prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    // The compare-and-set of Decision 1: only a current token (not rotated, not expired, grant live) rotates.
    markRotated: db.prepare(`UPDATE refresh_tokens SET rotated_at = @now, successor_hash = @successor, retry_sealed = @retry
      WHERE token_hash = @old AND rotated_at IS NULL AND expires_at > @now
        AND EXISTS (SELECT 1 FROM grants g WHERE g.grant_id = refresh_tokens.grant_id AND g.revoked_at IS NULL AND g.expires_at > @now)`),
    forgetRetryPairs: db.prepare('UPDATE refresh_tokens SET retry_sealed = NULL WHERE retry_sealed IS NOT NULL AND rotated_at < ?'),

    purge: [
      ...['codes', 'access_tokens', 'refresh_tokens'].map((name) =>
        db.prepare(`DELETE FROM ${name} WHERE expires_at <= @now OR grant_id IN (SELECT grant_id FROM grants WHERE expires_at <= @now)`),
      ),
      db.prepare('DELETE FROM grants WHERE expires_at <= @now'),
    ],
  };
}

export type GrantStatements = ReturnType<typeof prepareGrantStatements>;
