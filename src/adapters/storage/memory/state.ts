import type { Client } from '../../../domain/clients/client.js';
import type { AuthorizationCode, Consent, Grant } from '../../../domain/grants/grant.js';
import type { FlowNamespace } from '../../../domain/ports/stores.js';
import type { AccessToken, RefreshToken } from '../../../domain/tokens/token.js';

export interface FlowRecord {
  readonly payload: string;
  readonly expiresAt: number;
}

/** The tables of the memory engine; the four stores share it so cascades can cross them. */
export interface MemoryState {
  readonly clients: Map<string, Client>;
  readonly flows: Map<FlowNamespace, Map<string, FlowRecord>>;
  readonly grants: Map<string, Grant>;
  readonly codes: Map<string, AuthorizationCode>;
  readonly accessTokens: Map<string, AccessToken>;
  readonly refreshTokens: Map<string, RefreshToken>;
  /** Keyed by `consentKey`. */
  readonly consents: Map<string, Consent>;
}

export function createMemoryState(): MemoryState {
  return {
    clients: new Map(),
    flows: new Map(),
    grants: new Map(),
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    consents: new Map(),
  };
}

/** JSON of the parts: no separator inside a part can make two different keys collide. */
export function consentKey(subject: string, clientId: string, redirectUri: string, scopeKey: string): string {
  return JSON.stringify([subject, clientId, redirectUri, scopeKey]);
}

/**
 * A deep copy, frozen all the way down, with `undefined` fields dropped (as a database returns a
 * record). Stored records are snapshots, so no caller can change stored state through a reference.
 */
export function snapshot<T>(value: T): T {
  return deepFreeze(JSON.parse(JSON.stringify(value)) as T);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Inserts a new record; a primary key used twice is a bug in the caller, as in SQL. */
export function insertOnce<T>(table: Map<string, T>, key: string, value: T): void {
  if (table.has(key)) throw new Error('duplicate primary key');
  table.set(key, snapshot(value));
}

/** Deletes the entries `doomed` selects; returns how many. */
export function deleteWhere<T>(table: Map<string, T>, doomed: (value: T) => boolean): number {
  let count = 0;
  for (const [key, value] of table) {
    if (doomed(value)) {
      table.delete(key);
      count += 1;
    }
  }
  return count;
}

/** Deletes the codes and tokens of the given grants: one pass over each table. */
export function deleteGrantChildren(state: MemoryState, grantIds: ReadonlySet<string>): number {
  const ofGrant = (record: { readonly grantId: string }): boolean => grantIds.has(record.grantId);
  return deleteWhere(state.codes, ofGrant) + deleteWhere(state.accessTokens, ofGrant) + deleteWhere(state.refreshTokens, ofGrant);
}
