import type { Client } from '../clients/client.js';
import type { ClientRegistry } from '../clients/registry.js';
import type { OAuthPolicy } from '../oauth-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Hasher, Sealer } from '../ports/crypto.js';
import type { Logger } from '../ports/logger.js';
import type { Random } from '../ports/random.js';
import type { GrantStore } from '../ports/stores.js';
import type { Principal } from '../principal.js';
import { exchangeCode } from './exchange-code.js';
import { refresh } from './refresh.js';
import { revoke } from './revoke.js';
import { verifyAccessToken } from './verify.js';

/** A successful token response, camelCase inside (the HTTP adapter writes it snake_case). @see RFC 6749 §5.1 */
export interface TokenResponse {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  /** Always issued: clients never ask for `offline_access` (CLIENTS.md 1.5). */
  readonly refreshToken: string;
  /** Space-separated scopes of the access token. */
  readonly scope: string;
}

export interface TokenServiceDeps {
  readonly grants: GrantStore;
  readonly clients: ClientRegistry;
  readonly hasher: Hasher;
  readonly sealer: Sealer;
  readonly random: Random;
  readonly clock: Clock;
  readonly policy: OAuthPolicy;
  readonly logger: Logger;
  /** Called after every grant revocation (replay, reuse, `/revoke`): the app closes that grant's MCP sessions. */
  readonly onGrantRevoked?: (grantId: string) => void;
}

/** `grant_type=authorization_code`, the client already authenticated. @see RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2 */
export interface ExchangeCodeInput {
  readonly client: Client;
  readonly code: string;
  readonly codeVerifier?: string;
  readonly redirectUri?: string;
  readonly resource?: string;
}

/** `grant_type=refresh_token`, the client already authenticated. @see RFC 6749 §6 */
export interface RefreshInput {
  readonly client: Client;
  readonly refreshToken: string;
  /** Requested scopes (a subset of the token's); absent → the token's scopes. */
  readonly scope?: readonly string[];
  readonly resource?: string;
}

/** A revocation request, the client already authenticated. @see RFC 7009 §2.1 */
export interface RevokeInput {
  readonly client: Client;
  readonly token: string;
  readonly tokenTypeHint?: string;
}

export interface TokenService {
  /** Redeems an authorization code. Throws `invalid_grant`, `invalid_target`, or `storage_unavailable`. */
  exchangeCode(input: ExchangeCodeInput): Promise<TokenResponse>;
  /** Rotates a refresh token (SECURITY.md Decision 1). Throws `invalid_grant`, `invalid_scope`, `invalid_target`, or `storage_unavailable`. */
  refresh(input: RefreshInput): Promise<TokenResponse>;
  /** RFC 7009 revocation: resolves for unknown and foreign tokens too; throws only `storage_unavailable`. */
  revoke(input: RevokeInput): Promise<void>;
  /** The principal of a live access token of this server for its audience, else `undefined`. */
  verifyAccessToken(token: string): Promise<Principal | undefined>;
}

export function createTokenService(deps: TokenServiceDeps): TokenService {
  return {
    exchangeCode: (input) => exchangeCode(deps, input),
    refresh: (input) => refresh(deps, input),
    revoke: (input) => revoke(deps, input),
    verifyAccessToken: (token) => verifyAccessToken(deps, token),
  };
}
