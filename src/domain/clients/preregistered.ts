import { DomainError } from '../errors.js';
import type { Hasher } from '../ports/crypto.js';
import type { Client } from './client.js';
import { validateClientMetadata, type ClientMetadata } from './registration.js';
import type { ClientMetadataInput } from './registry.js';

/**
 * Clients the operator configures (`KEYWAY_CLIENTS`), for example credentials pasted into Claude's
 * advanced settings. Same redirect-URI and metadata policy as a registration; the secret is
 * hashed at once and never kept in the clear.
 */
export interface PreregisteredClientEntry extends ClientMetadataInput {
  readonly clientId: string;
  readonly clientSecret?: string;
}

export interface PreregisteredDeps {
  readonly hasher: Hasher;
  readonly redirectUriAllowlist: readonly string[];
  /** Epoch seconds, recorded as `issuedAt`. */
  readonly now: number;
}

/** Shortest configured secret accepted; anything shorter is guessable. */
export const MIN_SECRET_LENGTH = 16;
const CLIENT_ID = /^[\x21-\x7e]{1,255}$/;

function invalid(index: number, message: string): never {
  throw new DomainError('invalid_client_metadata', `client ${index}: ${message}`);
}

/**
 * With a secret and no method, `client_secret_post`: Claude authenticates static credentials with
 * it even when only `client_secret_basic` is advertised, and never falls back (CLIENTS.md 1.4).
 * Without a secret the client is public (`none`).
 */
function methodOf(entry: PreregisteredClientEntry, index: number): string {
  const secret = entry.clientSecret;
  const method = entry.tokenEndpointAuthMethod ?? (secret === undefined ? 'none' : 'client_secret_post');
  if (method === 'none' && secret !== undefined) invalid(index, 'a client with a client_secret cannot use token_endpoint_auth_method none');
  if (method !== 'none' && secret === undefined) invalid(index, `token_endpoint_auth_method ${method} needs a client_secret`);
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) invalid(index, `client_secret must be at least ${MIN_SECRET_LENGTH} characters`);
  return method;
}

function metadataOf(input: ClientMetadataInput, index: number, allowlist: readonly string[]): ClientMetadata {
  try {
    return validateClientMetadata(input, allowlist);
  } catch (error) {
    if (error instanceof DomainError) invalid(index, error.message);
    throw error;
  }
}

function buildOne(entry: PreregisteredClientEntry, index: number, deps: PreregisteredDeps): Client {
  if (!CLIENT_ID.test(entry.clientId)) invalid(index, 'client_id must be 1-255 printable ASCII characters');
  const metadata = metadataOf({ ...entry, tokenEndpointAuthMethod: methodOf(entry, index) }, index, deps.redirectUriAllowlist);
  return Object.freeze({
    ...metadata,
    clientId: entry.clientId,
    kind: 'preregistered',
    ...(entry.clientSecret === undefined ? {} : { secretHash: deps.hasher.hash(entry.clientSecret) }),
    secretExpiresAt: 0,
    issuedAt: deps.now,
    lastUsedAt: deps.now,
  });
}

/**
 * Builds the configured clients. Throws `invalid_client_metadata` (or `invalid_redirect_uri`
 * wrapped the same way) naming the entry's index, so start-up can stop with one clear line.
 */
export function buildPreregisteredClients(entries: readonly PreregisteredClientEntry[], deps: PreregisteredDeps): readonly Client[] {
  const seen = new Set<string>();
  return Object.freeze(
    entries.map((entry, index) => {
      if (seen.has(entry.clientId)) invalid(index, 'client_id is listed twice');
      seen.add(entry.clientId);
      return buildOne(entry, index, deps);
    }),
  );
}
