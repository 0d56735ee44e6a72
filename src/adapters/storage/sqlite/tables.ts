import { table } from './rows.js';

/** The columns each store reads and writes; docs/storage-schema.md describes them. */
export const CLIENTS = table({
  clientId: 'text',
  kind: 'text',
  clientName: 'text',
  redirectUris: 'json',
  grantTypes: 'json',
  responseTypes: 'json',
  tokenEndpointAuthMethod: 'text',
  secretHash: 'text',
  secretExpiresAt: 'integer',
  scope: 'text',
  clientUri: 'text',
  logoUri: 'text',
  tosUri: 'text',
  policyUri: 'text',
  softwareId: 'text',
  softwareVersion: 'text',
  contacts: 'json',
  issuedAt: 'integer',
  lastUsedAt: 'integer',
});

export const GRANTS = table({
  grantId: 'text',
  clientId: 'text',
  subject: 'text',
  userName: 'text',
  scopes: 'json',
  resource: 'text',
  redirectUri: 'text',
  upstreamSealed: 'text',
  createdAt: 'integer',
  expiresAt: 'integer',
  revokedAt: 'integer',
});

export const CODES = table({
  codeHash: 'text',
  grantId: 'text',
  clientId: 'text',
  redirectUri: 'text',
  codeChallenge: 'text',
  resource: 'text',
  scopes: 'json',
  expiresAt: 'integer',
  consumedAt: 'integer',
});

export const ACCESS_TOKENS = table({
  tokenHash: 'text',
  grantId: 'text',
  clientId: 'text',
  subject: 'text',
  scopes: 'json',
  resource: 'text',
  expiresAt: 'integer',
});

export const REFRESH_TOKENS = table({
  tokenHash: 'text',
  grantId: 'text',
  clientId: 'text',
  scopes: 'json',
  resource: 'text',
  createdAt: 'integer',
  expiresAt: 'integer',
  rotatedAt: 'integer',
  successorHash: 'text',
  retrySealed: 'text',
});

export const CONSENTS = table({
  subject: 'text',
  clientId: 'text',
  redirectUri: 'text',
  scopeKey: 'text',
  createdAt: 'integer',
});
