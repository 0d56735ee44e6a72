import type Database from 'better-sqlite3';
import { DomainError } from '../../../domain/errors.js';
import type { AuthorizationCode, Grant } from '../../../domain/grants/grant.js';
import type { CodeRedemption, GrantStore, RotationOutcome } from '../../../domain/ports/stores.js';
import type { AccessToken, RefreshToken } from '../../../domain/tokens/token.js';
import type { Guard } from './errors.js';
import { prepareGrantStatements, type GrantStatements } from './grant-statements.js';
import { fromRow, toRow, type Row } from './rows.js';
import { ACCESS_TOKENS, CODES, GRANTS, REFRESH_TOKENS } from './tables.js';

function insertAttached(statement: Database.Statement, row: Row): void {
  if (statement.run(row).changes === 0) throw new DomainError('invalid_grant', 'the grant is unknown or revoked');
}

function consume(sql: GrantStatements, hash: string, now: number): CodeRedemption {
  const redeemed = sql.consumeCode.get({ hash, now });
  if (redeemed !== undefined) return { kind: 'redeemed', code: fromRow<AuthorizationCode>(redeemed, CODES) };
  const found = sql.findLiveCode.get({ hash, now });
  return found === undefined ? { kind: 'unknown' } : { kind: 'replayed', code: fromRow<AuthorizationCode>(found, CODES) };
}

/** Runs inside one IMMEDIATE transaction: the guarded UPDATE is the compare-and-set. */
function rotate(sql: GrantStatements, oldHash: string, successor: RefreshToken, access: AccessToken, retrySealed: string, now: number): RotationOutcome {
  const marked = sql.markRotated.run({ old: oldHash, successor: successor.tokenHash, retry: retrySealed, now });
  if (marked.changes === 1) {
    insertAttached(sql.saveRefreshToken, toRow(successor, REFRESH_TOKENS));
    insertAttached(sql.saveAccessToken, toRow(access, ACCESS_TOKENS));
    return { kind: 'rotated' };
  }
  const row = sql.findRefreshToken.get(oldHash);
  const token = row === undefined ? undefined : fromRow<RefreshToken>(row, REFRESH_TOKENS);
  return token?.rotatedAt === undefined ? { kind: 'unknown' } : { kind: 'already_rotated', token };
}

export function createSqliteGrantStore(db: Database.Database, guard: Guard): GrantStore {
  const sql = prepareGrantStatements(db);
  const revokeOne = db.transaction((grantId: string, now: number) => {
    sql.revokeGrant.run(now, grantId);
    for (const statement of sql.deleteGrantChildren) statement.run(grantId);
  });
  // Set-based: one UPDATE and three DELETEs whatever the number of grants (no N+1).
  const revokeClient = db.transaction((clientId: string, now: number): string[] => {
    const revoked = sql.revokeClient.all(now, clientId) as string[];
    for (const statement of sql.deleteClientChildren) statement.run(clientId);
    return revoked.sort();
  });
  const rotation = db.transaction(rotate);
  const purge = db.transaction((now: number) => sql.purge.reduce((count, statement) => count + statement.run({ now }).changes, 0));
  return {
    createGrant: (grant) =>
      guard('grants.createGrant', () => {
        sql.createGrant.run(toRow(grant, GRANTS));
      }),
    findGrant: (grantId) =>
      guard('grants.findGrant', () => {
        const row = sql.findGrant.get(grantId);
        return row === undefined ? undefined : fromRow<Grant>(row, GRANTS);
      }),
    revokeGrant: (grantId, now) => guard('grants.revokeGrant', () => revokeOne.immediate(grantId, now)),
    revokeClientGrants: (clientId, now) => guard('grants.revokeClientGrants', () => revokeClient.immediate(clientId, now)),
    updateUpstream: (grantId, upstreamSealed) =>
      guard('grants.updateUpstream', () => {
        sql.updateUpstream.run(upstreamSealed, grantId);
      }),
    saveCode: (code) => guard('grants.saveCode', () => insertAttached(sql.saveCode, toRow(code, CODES))),
    findCode: (codeHash) =>
      guard('grants.findCode', () => {
        const row = sql.findCode.get(codeHash);
        return row === undefined ? undefined : fromRow<AuthorizationCode>(row, CODES);
      }),
    consumeCode: (codeHash, now) => guard('grants.consumeCode', () => consume(sql, codeHash, now)),
    saveAccessToken: (token) => guard('grants.saveAccessToken', () => insertAttached(sql.saveAccessToken, toRow(token, ACCESS_TOKENS))),
    findAccessToken: (tokenHash, now) =>
      guard('grants.findAccessToken', () => {
        const row = sql.findAccessToken.get({ hash: tokenHash, now });
        return row === undefined ? undefined : fromRow<AccessToken>(row, ACCESS_TOKENS);
      }),
    saveRefreshToken: (token) => guard('grants.saveRefreshToken', () => insertAttached(sql.saveRefreshToken, toRow(token, REFRESH_TOKENS))),
    findRefreshToken: (tokenHash) =>
      guard('grants.findRefreshToken', () => {
        const row = sql.findRefreshToken.get(tokenHash);
        return row === undefined ? undefined : fromRow<RefreshToken>(row, REFRESH_TOKENS);
      }),
    rotateRefreshToken: (oldHash, successor, access, retrySealed, now) =>
      guard('grants.rotateRefreshToken', () => rotation.immediate(sql, oldHash, successor, access, retrySealed, now)),
    forgetRetryPairsBefore: (cutoff) => guard('grants.forgetRetryPairsBefore', () => sql.forgetRetryPairs.run(cutoff).changes),
    purgeExpired: (now) => guard('grants.purgeExpired', () => purge.immediate(now)),
  };
}
