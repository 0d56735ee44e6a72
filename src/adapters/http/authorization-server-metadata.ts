import type { OAuthPolicy } from '../../domain/oauth-policy.js';
import { sendJson } from './respond.js';
import type { Route } from './types.js';

/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414) at the root well-known path, and the same
 * document at the OpenID discovery alias that some clients try next (CLIENTS.md 1.3). Fields whose
 * absence silently stops Claude: S256, the three auth methods including `none`, CIMD and/or a
 * registration endpoint. `iss` is sent on every authorization response, so it is advertised.
 * @see RFC 8414 §2, §3; RFC 9207 §3; draft-ietf-oauth-client-id-metadata-document
 */
export interface MetadataSwitches {
  readonly dynamicRegistration: boolean;
  readonly clientMetadataDocuments: boolean;
}

const AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;

export function authorizationServerDocument(policy: OAuthPolicy, switches: MetadataSwitches): Record<string, unknown> {
  const issuer = policy.issuer;
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    ...(switches.dynamicRegistration ? { registration_endpoint: `${issuer}/register` } : {}),
    revocation_endpoint: `${issuer}/revoke`,
    scopes_supported: policy.scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: switches.clientMetadataDocuments,
    authorization_response_iss_parameter_supported: true,
  };
}

export function authorizationServerRoutes(policy: OAuthPolicy, switches: MetadataSwitches): Route[] {
  const body = authorizationServerDocument(policy, switches);
  const handler: Route['handler'] = async ({ res }) => sendJson(res, 200, body, { 'Cache-Control': 'public, max-age=3600' });
  return [
    { method: 'GET', path: '/.well-known/oauth-authorization-server', handler },
    { method: 'GET', path: '/.well-known/openid-configuration', handler },
  ];
}
