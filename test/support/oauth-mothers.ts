import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '../../src/domain/clients/client.js';
import type { ClientCredentials, ClientRegistry } from '../../src/domain/clients/registry.js';
import { DomainError } from '../../src/domain/errors.js';
import type { AuthorizationCode, Grant } from '../../src/domain/grants/grant.js';
import { createOAuthPolicy, type OAuthPolicy } from '../../src/domain/oauth-policy.js';
import type { Hasher, Sealer } from '../../src/domain/ports/crypto.js';
import type { LogFields, Logger, LogLevel } from '../../src/domain/ports/logger.js';
import { AUTHORIZATION_CODE_PREFIX } from '../../src/domain/tokens/token.js';

/**
 * Object mothers and port fakes for OAuth tests: a policy, clients, grants and codes exactly as the
 * browser leg leaves them (a `Grant` plus an `AuthorizationCode` stored by hash), PKCE pairs, a
 * reversible sealer, a client registry, and a logger that keeps what it was told.
 */
export const ISSUER = 'https://mcp.example.com';
export const CANONICAL_RESOURCE = `${ISSUER}/mcp`;
export const START = 1_800_000_000;

export function aPolicy(overrides: Partial<Omit<OAuthPolicy, 'issuer' | 'canonicalResource' | 'resources'>> = {}): OAuthPolicy {
  return createOAuthPolicy(ISSUER, {
    scopes: ['mcp', 'tools:write'],
    codeTtlSeconds: 300,
    accessTokenTtlSeconds: 3600,
    refreshTokenIdleSeconds: 30 * 24 * 3600,
    grantMaxSeconds: 180 * 24 * 3600,
    refreshGraceSeconds: 60,
    ...overrides,
  });
}

/** SHA-256 base64url, the PKCE S256 transform (the Hasher contract). */
export function createTestHasher(): Hasher {
  const hash = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');
  return { hash, equal: (a, b) => a === b };
}

/** Reversible and honest about tampering: enough to show what is sealed and that it opens again. */
export function createReversibleSealer(): Sealer {
  return {
    seal: (plaintext) => `sealed.${Buffer.from(plaintext, 'utf8').toString('base64url')}`,
    open: (sealed) => {
      if (!sealed.startsWith('sealed.')) throw new DomainError('sealed_invalid', 'not sealed here');
      return Buffer.from(sealed.slice('sealed.'.length), 'base64url').toString('utf8');
    },
  };
}

/** A PKCE S256 pair: a 43-character verifier and its challenge. */
export function aPkcePair(hasher: Hasher = createTestHasher()): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: hasher.hash(verifier) };
}

let sequence = 0;
function next(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

/** A public client (`none`), the kind DCR gives Claude and every desktop client. */
export function aPublicClient(overrides: Partial<Client> = {}): Client {
  return {
    clientId: next('client'),
    kind: 'dynamic',
    clientName: 'Test client',
    redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'none',
    secretExpiresAt: 0,
    issuedAt: START,
    lastUsedAt: START,
    ...overrides,
  };
}

/** A confidential client and its secret (stored as a hash, like the registry does). */
export function aConfidentialClient(
  method: 'client_secret_basic' | 'client_secret_post',
  overrides: Partial<Client> = {},
  hasher: Hasher = createTestHasher(),
): { readonly client: Client; readonly secret: string } {
  const secret = `kw_cs_${randomBytes(32).toString('base64url')}`;
  return { client: aPublicClient({ tokenEndpointAuthMethod: method, secretHash: hasher.hash(secret), ...overrides }), secret };
}

export function aGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    grantId: next('grant'),
    clientId: 'client-unset',
    subject: 'local:alice',
    userName: 'Alice',
    scopes: ['mcp'],
    resource: CANONICAL_RESOURCE,
    redirectUri: 'https://claude.ai/api/mcp/auth_callback',
    createdAt: START,
    expiresAt: START + 180 * 24 * 3600,
    ...overrides,
  };
}

/** A code for `grant` as the browser leg stores it: `kw_ac_` + random, kept only as its hash. */
export function anAuthorizationCode(
  grant: Grant,
  challenge: string,
  overrides: Partial<AuthorizationCode> = {},
  hasher: Hasher = createTestHasher(),
): { readonly code: string; readonly record: AuthorizationCode } {
  const code = AUTHORIZATION_CODE_PREFIX + randomBytes(32).toString('base64url');
  const record: AuthorizationCode = {
    codeHash: hasher.hash(code),
    grantId: grant.grantId,
    clientId: grant.clientId,
    redirectUri: grant.redirectUri,
    codeChallenge: challenge,
    resource: grant.resource,
    scopes: grant.scopes,
    expiresAt: START + 300,
    ...overrides,
  };
  return { code, record };
}

/**
 * A registry that knows `clients` and checks what the real one checks: the client exists, the
 * method is the registered one, the secret matches and has not expired.
 */
export function createFakeClientRegistry(clients: readonly Client[], hasher: Hasher = createTestHasher(), now = () => START): ClientRegistry & { readonly touched: string[] } {
  const byId = new Map(clients.map((client) => [client.clientId, client]));
  const touched: string[] = [];
  const refuse = (): never => {
    throw new DomainError('invalid_client', 'client authentication failed');
  };
  return {
    touched,
    register: () => Promise.reject(new Error('not used in these tests')),
    resolve: async (clientId) => byId.get(clientId),
    touch: async (clientId) => {
      touched.push(clientId);
    },
    authenticate: async (credentials: ClientCredentials) => {
      const client = byId.get(credentials.clientId) ?? refuse();
      if (client.tokenEndpointAuthMethod !== credentials.method) refuse();
      if (client.secretHash !== undefined && (credentials.secret === undefined || hasher.hash(credentials.secret) !== client.secretHash)) refuse();
      if (client.secretExpiresAt !== 0 && client.secretExpiresAt <= now()) refuse();
      return client;
    },
  };
}

export interface LoggedEvent {
  readonly level: LogLevel;
  readonly event: string;
  readonly fields: LogFields;
}

/** A logger that records every event, for asserting what was (and was not) logged. */
export function createRecordingLogger(events: LoggedEvent[] = [], base: LogFields = {}): Logger & { readonly events: LoggedEvent[] } {
  const at = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    events.push({ level, event, fields: { ...base, ...fields } });
  };
  return { events, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (fields) => createRecordingLogger(events, { ...base, ...fields }) };
}
