import { DomainError } from '../errors.js';
import type { Client, TokenEndpointAuthMethod } from './client.js';
import type { ClientMetadataInput } from './registry.js';
import { LIMITS, SUPPORTED_GRANT_TYPES, SUPPORTED_RESPONSE_TYPES, validateClientMetadata, type ClientMetadata } from './registration.js';

/**
 * Client ID Metadata Documents: the client id is an https URL serving the client's metadata.
 * This module is the pure policy — which URLs may be fetched and which documents are accepted;
 * `metadata-document-resolver.ts` fetches and caches.
 * @see draft-ietf-oauth-client-id-metadata-document §3 (Client Identifier URL), §4 (document),
 *   §4.1 (no shared secrets), §7 (security considerations); SECURITY.md N1
 */

function refuse(message: string): never {
  throw new DomainError('fetch_failed', message);
}

/** True when `clientId` is meant as a metadata document URL (Keyway's own ids never start so). */
export function looksLikeMetadataDocumentUrl(clientId: string): boolean {
  return clientId.slice(0, 8).toLowerCase() === 'https://';
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Hosts that can only name this machine or a private network. The fetcher's SSRF guard checks
 * the resolved addresses; refusing these names first means no lookup or connection is ever tried
 * (SECURITY.md N1). The WHATWG parser has already turned other IPv4 spellings (`0x7f.1`,
 * `2130706433`) into dotted form, so every IP literal is caught here.
 */
function isInternalHost(hostname: string): boolean {
  if (IPV4.test(hostname) || hostname.startsWith('[')) return true;
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  return !hostname.includes('.') || /\.(?:local|internal|home\.arpa|localdomain|lan)$/.test(hostname);
}

function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => /^(?:\.|\.\.|%2e|%2e%2e|\.%2e|%2e\.)$/i.test(segment));
}

function parse(clientId: string): URL {
  try {
    return new URL(clientId);
  } catch {
    refuse('client_id is not a valid URL');
  }
}

/**
 * Throws `fetch_failed` unless `clientId` is a Client Identifier URL Keyway will fetch: https, a
 * path other than `/`, no userinfo, fragment or dot segments, a public host name, and written in
 * canonical form (the draft compares ids as plain strings, so `https://Example.com:443/x` and
 * `https://example.com/x` would be two clients; only the canonical spelling is accepted).
 * A query is allowed (the draft says SHOULD NOT, not MUST NOT).
 */
export function checkMetadataDocumentUrl(clientId: string): URL {
  if (clientId.length > LIMITS.uri) refuse(`client_id is longer than ${LIMITS.uri} characters`);
  if (!/^[\x21-\x7e]+$/.test(clientId)) refuse('client_id contains whitespace, control or non-ASCII characters');
  if (!clientId.startsWith('https://')) refuse('a client_id URL must use https');
  if (clientId.includes('#')) refuse('a client_id URL must not contain a fragment');
  const url = parse(clientId);
  if (url.username !== '' || url.password !== '') refuse('a client_id URL must not contain userinfo');
  if (hasDotSegment(clientId.slice(8).split('?', 1)[0] ?? '')) refuse('a client_id URL must not contain dot segments');
  if (url.pathname === '/') refuse('a client_id URL must have a path');
  if (url.href !== clientId) refuse('a client_id URL must be written in canonical form');
  if (isInternalHost(url.hostname)) refuse('a client_id URL must name a public host');
  return url;
}

type Json = Readonly<Record<string, unknown>>;

function stringField(doc: Json, name: string): string | undefined {
  const value = doc[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') refuse(`client metadata document: ${name} must be a string`);
  return value;
}

function stringsField(doc: Json, name: string): readonly string[] | undefined {
  const value = doc[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    refuse(`client metadata document: ${name} must be an array of strings`);
  }
  return value;
}

/**
 * §4.1: a document cannot carry a shared secret, so the only method Keyway accepts is `none`
 * (also when the field is absent). `private_key_jwt` is legitimate but Keyway does not verify
 * client assertions, so such a client is refused rather than silently treated as public.
 */
function authMethodOf(doc: Json): TokenEndpointAuthMethod {
  if (doc.client_secret !== undefined || doc.client_secret_expires_at !== undefined) {
    refuse('client metadata document must not contain client_secret');
  }
  const method = stringField(doc, 'token_endpoint_auth_method') ?? 'none';
  if (method === 'none') return method;
  if (method === 'private_key_jwt') refuse('client metadata document asks for private_key_jwt, which Keyway does not support');
  refuse('client metadata document must use token_endpoint_auth_method none');
}

/**
 * Types Keyway does not serve are dropped rather than refused: Claude's document also lists the
 * JWT-bearer grant (CLIENTS.md 1.4), which this server simply never honours. DCR stays strict
 * (SECURITY.md B8) because there the client asks Keyway to grant the types.
 */
function supportedOnly(given: readonly string[] | undefined, supported: readonly string[]): readonly string[] | undefined {
  return given?.filter((type) => supported.includes(type));
}

function inputOf(doc: Json): ClientMetadataInput {
  return {
    redirectUris: stringsField(doc, 'redirect_uris') ?? [],
    tokenEndpointAuthMethod: authMethodOf(doc),
    grantTypes: supportedOnly(stringsField(doc, 'grant_types'), SUPPORTED_GRANT_TYPES),
    responseTypes: supportedOnly(stringsField(doc, 'response_types'), SUPPORTED_RESPONSE_TYPES),
    clientName: stringField(doc, 'client_name'),
    clientUri: stringField(doc, 'client_uri'),
    logoUri: stringField(doc, 'logo_uri'),
    tosUri: stringField(doc, 'tos_uri'),
    policyUri: stringField(doc, 'policy_uri'),
    scope: stringField(doc, 'scope'),
    contacts: stringsField(doc, 'contacts'),
    softwareId: stringField(doc, 'software_id'),
    softwareVersion: stringField(doc, 'software_version'),
  };
}

function isObject(json: unknown): json is Json {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

/**
 * The client a fetched document describes. Throws `fetch_failed` (a message safe to show) when the
 * document is not an object, its `client_id` is not exactly `url` (§4: simple string comparison),
 * or it breaks the registration policy (redirect URIs and the rest, as for DCR).
 */
export function clientFromDocument(url: string, json: unknown, allowlist: readonly string[], now: number): Client {
  if (!isObject(json)) refuse('client metadata document is not a JSON object');
  if (json.client_id !== url) refuse('client metadata document client_id does not equal its URL');
  const metadata = documentMetadata(json, allowlist);
  return Object.freeze({ ...metadata, clientId: url, kind: 'metadata_document', secretExpiresAt: 0, issuedAt: now, lastUsedAt: now });
}

/** The registration policy applied to a document; its refusals become `fetch_failed`. */
function documentMetadata(doc: Json, allowlist: readonly string[]): ClientMetadata {
  try {
    return validateClientMetadata(inputOf(doc), allowlist);
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'fetch_failed') refuse(`client metadata document: ${error.message}`);
    throw error;
  }
}

/** Claude's client id (CLIENTS.md 1.4). */
export const CLAUDE_CLIENT_ID = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

/**
 * Pinned copies, used only when a fetch fails and nothing is cached: Claude's document has failed
 * to load before (served as HTML, blocked by a WAF, a 404 on its twin), and a failed fetch would
 * otherwise stop every Claude user from connecting (CLIENTS.md 1.4). Keep in step with the live
 * document.
 */
export const PINNED_DOCUMENTS: Readonly<Record<string, Json>> = Object.freeze({
  [CLAUDE_CLIENT_ID]: Object.freeze({
    client_id: CLAUDE_CLIENT_ID,
    client_name: 'Claude',
    redirect_uris: Object.freeze(['https://claude.ai/api/mcp/auth_callback']),
    grant_types: Object.freeze(['authorization_code', 'refresh_token']),
    response_types: Object.freeze(['code']),
    token_endpoint_auth_method: 'none',
  }),
});
