import type { Client, TokenEndpointAuthMethod } from './client.js';

/**
 * Client registration metadata as parsed at the edge (RFC 7591 §2, snake_case turned camelCase);
 * the registry applies Keyway's policy to it.
 */
export interface ClientMetadataInput {
  readonly redirectUris?: readonly string[];
  readonly tokenEndpointAuthMethod?: string;
  readonly grantTypes?: readonly string[];
  readonly responseTypes?: readonly string[];
  readonly clientName?: string;
  readonly clientUri?: string;
  readonly logoUri?: string;
  readonly tosUri?: string;
  readonly policyUri?: string;
  readonly scope?: string;
  readonly contacts?: readonly string[];
  readonly softwareId?: string;
  readonly softwareVersion?: string;
}

/** A registration's result: the stored client and, for a confidential client, its secret (shown once). */
export interface Registration {
  readonly client: Client;
  readonly clientSecret?: string;
}

/** How a token or revocation request presented client credentials. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly method: TokenEndpointAuthMethod;
  readonly secret?: string;
}

/**
 * The clients Keyway knows: dynamically registered, Client ID Metadata Documents (fetched and
 * cached), and pre-registered ones from configuration. Implemented in `src/domain/clients`.
 */
export interface ClientRegistry {
  /**
   * RFC 7591 registration. Throws `DomainError` `invalid_redirect_uri` or `invalid_client_metadata`
   * with a message safe to return to the client.
   */
  register(metadata: ClientMetadataInput): Promise<Registration>;
  /**
   * The client `clientId` names, or `undefined` when there is none: a stored client, a
   * pre-registered one, or (when enabled and `clientId` is an https URL) its metadata document.
   * Throws `fetch_failed` when a metadata document cannot be fetched or is invalid.
   */
  resolve(clientId: string): Promise<Client | undefined>;
  /**
   * Authenticates a client at the token or revocation endpoint: unknown client, wrong secret, a
   * method other than the registered one, or an expired secret → `invalid_client`.
   */
  authenticate(credentials: ClientCredentials): Promise<Client>;
  /** Records that the client was used now (keeps a dynamic registration from expiring). */
  touch(clientId: string): Promise<void>;
}
