import { DomainError } from '../errors.js';
import type { Hasher } from '../ports/crypto.js';
import type { Clock } from '../ports/clock.js';
import type { Random } from '../ports/random.js';
import type { Client, TokenEndpointAuthMethod } from './client.js';
import { validateRedirectUri } from './redirect-uri.js';
import type { ClientMetadataInput, Registration } from './registry.js';

/**
 * Keyway's registration policy (RFC 7591): what a client may ask for, with bounded sizes, applied
 * alike to dynamic registrations, metadata documents and pre-registered clients.
 * @see RFC 7591 §2, §3.2.2; SECURITY.md B2–B8
 */

/** Size limits (SECURITY.md B6, K7). */
export const LIMITS = Object.freeze({
  redirectUris: 10,
  clientName: 200,
  uri: 2048,
  scope: 1024,
  contacts: 10,
  contact: 320,
  softwareField: 200,
});

export const SUPPORTED_GRANT_TYPES: readonly string[] = Object.freeze(['authorization_code', 'refresh_token']);
export const SUPPORTED_RESPONSE_TYPES: readonly string[] = Object.freeze(['code']);
export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = Object.freeze(['none', 'client_secret_post', 'client_secret_basic']);

/** Prefix of the client secrets Keyway issues, so a leaked one is recognisable. */
export const CLIENT_SECRET_PREFIX = 'kw_cs_';

/** The validated metadata every kind of client shares. */
export type ClientMetadata = Pick<Client, 'redirectUris' | 'grantTypes' | 'responseTypes' | 'tokenEndpointAuthMethod'> &
  Partial<Pick<Client, 'clientName' | 'scope' | 'clientUri' | 'logoUri' | 'tosUri' | 'policyUri' | 'softwareId' | 'softwareVersion' | 'contacts'>>;

function invalidMetadata(message: string): never {
  throw new DomainError('invalid_client_metadata', message);
}

/** B2, B6: at least one redirect URI, at most ten, each valid; duplicates collapse. */
function redirectUrisOf(input: ClientMetadataInput, allowlist: readonly string[]): readonly string[] {
  const uris = input.redirectUris ?? [];
  if (uris.length === 0) throw new DomainError('invalid_redirect_uri', 'redirect_uris must list at least one redirect URI');
  if (uris.length > LIMITS.redirectUris) invalidMetadata(`redirect_uris may list at most ${LIMITS.redirectUris} URIs`);
  uris.forEach((uri, index) => {
    try {
      validateRedirectUri(uri, allowlist);
    } catch (error) {
      if (error instanceof DomainError) throw new DomainError(error.code, `redirect_uris[${index}]: ${error.message}`);
      throw error;
    }
  });
  return Object.freeze([...new Set(uris)]);
}

/**
 * RFC 7591 §2: the default is `client_secret_basic`. Claude asks for `client_secret_post` and then
 * uses whatever method the response names (CLIENTS.md 1.4), so honouring the request is both
 * spec-exact and what Claude needs; refusing it breaks the connection.
 */
function authMethodOf(input: ClientMetadataInput): TokenEndpointAuthMethod {
  const method = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
  const known = AUTH_METHODS.find((candidate) => candidate === method);
  if (known === undefined) invalidMetadata('token_endpoint_auth_method must be none, client_secret_post or client_secret_basic');
  return known;
}

/** B8: only the code flow with refresh; `password`, `implicit` and the rest are refused. */
function typesOf(given: readonly string[] | undefined, supported: readonly string[], field: string, required: string): readonly string[] {
  const types = given ?? supported;
  const unsupported = types.find((type) => !supported.includes(type));
  if (unsupported !== undefined) invalidMetadata(`${field} may only contain ${supported.join(' and ')}`);
  if (!types.includes(required)) invalidMetadata(`${field} must include ${required}`);
  return Object.freeze([...new Set(types)]);
}

/** B7: informational URIs are http(s) URLs (they end up as links on the consent page). */
function webUri(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > LIMITS.uri) invalidMetadata(`${field} is longer than ${LIMITS.uri} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalidMetadata(`${field} must be an http or https URL`);
  }
  const printable = [...value].every((char) => char > ' ' && char < '\u007f');
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !printable) invalidMetadata(`${field} must be an http or https URL`);
  return value;
}

function boundedText(value: string | undefined, field: string, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > max) invalidMetadata(`${field} is longer than ${max} characters`);
  return value;
}

function contactsOf(contacts: readonly string[] | undefined): readonly string[] | undefined {
  if (contacts === undefined || contacts.length === 0) return undefined;
  if (contacts.length > LIMITS.contacts) invalidMetadata(`contacts may list at most ${LIMITS.contacts} entries`);
  contacts.forEach((contact) => boundedText(contact, 'contacts', LIMITS.contact));
  return Object.freeze([...contacts]);
}

/** Drops `undefined` members, so an unset field is absent rather than present-but-undefined. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

/**
 * Applies the policy to client metadata. Throws `invalid_redirect_uri` or `invalid_client_metadata`
 * with a message safe to return to the client. Names are kept exactly as given: pages escape them.
 */
export function validateClientMetadata(input: ClientMetadataInput, allowlist: readonly string[]): ClientMetadata {
  return compact<ClientMetadata>({
    redirectUris: redirectUrisOf(input, allowlist),
    tokenEndpointAuthMethod: authMethodOf(input),
    grantTypes: typesOf(input.grantTypes, SUPPORTED_GRANT_TYPES, 'grant_types', 'authorization_code'),
    responseTypes: typesOf(input.responseTypes, SUPPORTED_RESPONSE_TYPES, 'response_types', 'code'),
    clientName: boundedText(input.clientName, 'client_name', LIMITS.clientName),
    scope: boundedText(input.scope, 'scope', LIMITS.scope),
    clientUri: webUri(input.clientUri, 'client_uri'),
    logoUri: webUri(input.logoUri, 'logo_uri'),
    tosUri: webUri(input.tosUri, 'tos_uri'),
    policyUri: webUri(input.policyUri, 'policy_uri'),
    softwareId: boundedText(input.softwareId, 'software_id', LIMITS.softwareField),
    softwareVersion: boundedText(input.softwareVersion, 'software_version', LIMITS.softwareField),
    contacts: contactsOf(input.contacts),
  });
}

export interface RegistrationDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: Hasher;
  readonly redirectUriAllowlist: readonly string[];
}

/** A fresh client secret: 256 random bits behind a recognisable prefix. */
export function newClientSecret(random: Random): string {
  return `${CLIENT_SECRET_PREFIX}${random.token(32)}`;
}

/**
 * RFC 7591 §3.2.1: a new `dynamic` client with a server-made id of 128 random bits (anything the
 * client sent as `client_id` never reaches here, B8). A confidential client gets a secret that is
 * returned once and stored only as a hash; it never expires (`secretExpiresAt` 0).
 */
export function registerDynamicClient(input: ClientMetadataInput, deps: RegistrationDeps): Registration {
  const metadata = validateClientMetadata(input, deps.redirectUriAllowlist);
  const now = deps.clock.now();
  const secret = metadata.tokenEndpointAuthMethod === 'none' ? undefined : newClientSecret(deps.random);
  const client: Client = Object.freeze({
    ...metadata,
    clientId: deps.random.token(16),
    kind: 'dynamic',
    ...(secret === undefined ? {} : { secretHash: deps.hasher.hash(secret) }),
    secretExpiresAt: 0,
    issuedAt: now,
    lastUsedAt: now,
  });
  return secret === undefined ? { client } : { client, clientSecret: secret };
}
