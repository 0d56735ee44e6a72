import * as oauth from 'oauth4webapi';
import { DomainError } from '../../../domain/errors.js';
import type { OidcHttp } from './oidc-http.js';

/**
 * Reads the provider's metadata from `<issuer>/.well-known/openid-configuration` at start-up.
 * The `issuer` it names must equal the configured one character for character: every ID token's
 * `iss` and every RFC 9207 `iss` callback parameter is compared with it.
 * @see OpenID Connect Discovery 1.0 §4, §4.3; RFC 8414 §3.3
 */
export async function discoverIssuer(issuer: string, http: OidcHttp): Promise<oauth.AuthorizationServer> {
  const url = parseIssuer(issuer);
  const signal = http.deadline();
  const where = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let metadata: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(url, { algorithm: 'oidc', ...http.options(signal) });
    metadata = await oauth.processDiscoveryResponse(url, response);
  } catch (error) {
    const named = issuerNamedIn(error);
    if (named !== undefined) throw mismatch(issuer, where, named);
    const failure = http.failure(error, 'discovery request', signal);
    throw new DomainError('upstream_failed', `OpenID Connect discovery at ${where} failed: ${failure.message}`);
  }
  checkMetadata(issuer, where, metadata);
  return metadata;
}

/** The configured issuer as a URL; a clear `upstream_failed` when it is not one we can use. */
export function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new DomainError('upstream_failed', `the OpenID issuer "${issuer}" is not a URL`);
  }
  if (url.search !== '' || url.hash !== '') throw new DomainError('upstream_failed', `the OpenID issuer "${issuer}" must not carry a query or fragment`);
  return url;
}

function mismatch(issuer: string, where: string, named: string): DomainError {
  return new DomainError('upstream_failed', `the issuer in ${where} is ${JSON.stringify(named.slice(0, 200))}, not "${issuer}": set the issuer to exactly the provider's value`);
}

/** The issuer a document named, when oauth4webapi refused it for not matching ours. */
function issuerNamedIn(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || error.code !== oauth.JSON_ATTRIBUTE_COMPARISON) return undefined;
  const cause = error.cause as { body?: { issuer?: unknown } } | undefined;
  return typeof cause?.body?.issuer === 'string' ? cause.body.issuer : undefined;
}

/** What a sign-in needs from the metadata; a provider missing any of it cannot be used. */
function checkMetadata(issuer: string, where: string, metadata: oauth.AuthorizationServer): void {
  if (metadata.issuer !== issuer) throw mismatch(issuer, where, metadata.issuer);
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof metadata[field] !== 'string') throw new DomainError('upstream_failed', `${where} names no ${field}; this provider cannot sign users in with the authorization code flow`);
  }
  const responseTypes = metadata.response_types_supported;
  if (Array.isArray(responseTypes) && !responseTypes.includes('code')) {
    throw new DomainError('upstream_failed', `${where} does not offer response_type=code`);
  }
}
