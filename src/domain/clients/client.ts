/**
 * An OAuth client of Keyway's authorization server.
 * @see RFC 7591 §2 (client metadata), draft-ietf-oauth-client-id-metadata-document
 */
export type TokenEndpointAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

/**
 * Where the client came from: dynamic registration (RFC 7591), a Client ID Metadata Document
 * (the client id is an https URL), or configuration.
 */
export type ClientKind = 'dynamic' | 'metadata_document' | 'preregistered';

export interface Client {
  readonly clientId: string;
  readonly kind: ClientKind;
  /** Display name as the client sent it; always rendered escaped and, unless preregistered, marked unverified. */
  readonly clientName?: string;
  /** Exact redirect URIs (only the port of a loopback URI may vary when matching). */
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly string[];
  readonly responseTypes: readonly string[];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** SHA-256 of the client secret (confidential clients only); the secret itself is shown once. */
  readonly secretHash?: string;
  /** Epoch seconds; 0 = the secret never expires. */
  readonly secretExpiresAt: number;
  readonly scope?: string;
  readonly clientUri?: string;
  readonly logoUri?: string;
  readonly tosUri?: string;
  readonly policyUri?: string;
  readonly softwareId?: string;
  readonly softwareVersion?: string;
  readonly contacts?: readonly string[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds of the last authorization or token request; unused dynamic clients expire. */
  readonly lastUsedAt: number;
}
