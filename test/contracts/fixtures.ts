import type { Client } from '../../src/domain/clients/client.js';
import type { AuthorizationCode, Consent, Grant } from '../../src/domain/grants/grant.js';
import type { AccessToken, RefreshToken } from '../../src/domain/tokens/token.js';

/** Object mothers for the store contracts: valid records, overridable field by field. */
export const NOW = 1_800_000_000;
const RESOURCE = 'https://mcp.example.com/mcp';
const REDIRECT = 'https://claude.ai/api/mcp/auth_callback';

let counter = 0;
/** A fresh id per call, so records of one test never collide. */
export const unique = (prefix: string): string => `${prefix}-${++counter}`;

export function aClient(overrides: Partial<Client> = {}): Client {
  return {
    clientId: unique('client'),
    kind: 'dynamic',
    redirectUris: [REDIRECT],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'none',
    secretExpiresAt: 0,
    issuedAt: NOW,
    lastUsedAt: NOW,
    ...overrides,
  };
}

/** Every optional field set, to prove a store keeps each one. */
export function aFullClient(overrides: Partial<Client> = {}): Client {
  return aClient({
    kind: 'preregistered',
    clientName: 'Claude <img src=x> \u202e Сlaude',
    redirectUris: [REDIRECT, 'http://127.0.0.1:33418/cb'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    secretHash: 'secret-hash',
    secretExpiresAt: NOW + 3600,
    scope: 'mcp read',
    clientUri: 'https://claude.ai',
    logoUri: 'https://claude.ai/logo.png',
    tosUri: 'https://claude.ai/tos',
    policyUri: 'https://claude.ai/policy',
    softwareId: 'claude',
    softwareVersion: '1.0',
    contacts: ['ops@example.com'],
    ...overrides,
  });
}

export function aGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    grantId: unique('grant'),
    clientId: 'client-a',
    subject: 'local:alice',
    userName: 'Alice',
    scopes: ['mcp'],
    resource: RESOURCE,
    redirectUri: REDIRECT,
    upstreamSealed: 'sealed-upstream',
    createdAt: NOW,
    expiresAt: NOW + 180 * 86_400,
    ...overrides,
  };
}

export function aCode(grant: Grant, overrides: Partial<AuthorizationCode> = {}): AuthorizationCode {
  return {
    codeHash: unique('code-hash'),
    grantId: grant.grantId,
    clientId: grant.clientId,
    redirectUri: grant.redirectUri,
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    resource: grant.resource,
    scopes: grant.scopes,
    expiresAt: NOW + 300,
    ...overrides,
  };
}

export function anAccessToken(grant: Grant, overrides: Partial<AccessToken> = {}): AccessToken {
  return {
    tokenHash: unique('at-hash'),
    grantId: grant.grantId,
    clientId: grant.clientId,
    subject: grant.subject,
    scopes: grant.scopes,
    resource: grant.resource,
    expiresAt: NOW + 3600,
    ...overrides,
  };
}

export function aRefreshToken(grant: Grant, overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    tokenHash: unique('rt-hash'),
    grantId: grant.grantId,
    clientId: grant.clientId,
    scopes: grant.scopes,
    resource: grant.resource,
    createdAt: NOW,
    expiresAt: NOW + 30 * 86_400,
    ...overrides,
  };
}

export function aConsent(overrides: Partial<Consent> = {}): Consent {
  return { subject: 'local:alice', clientId: 'client-a', redirectUri: REDIRECT, scopeKey: 'mcp', createdAt: NOW, ...overrides };
}

/** The record without the named fields (absent, not `undefined`: as a store returns it). */
export function omit<T extends object, K extends keyof T>(record: T, ...keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key as K))) as Omit<T, K>;
}

/** Tries to change a record a store returned; a frozen one throws, which is just as good. */
export function tamper(record: object): void {
  try {
    Object.assign(record, { tampered: true });
    for (const value of Object.values(record)) if (Array.isArray(value)) (value as unknown[]).push('tampered');
  } catch {
    // frozen: the store handed out an immutable snapshot
  }
}

/** A store under test and how to release it; each test gets a fresh, empty one. */
export interface Harness<S> {
  readonly store: S;
  close(): Promise<void>;
}

export type MakeStore<S> = () => Promise<Harness<S>>;
