import * as oauth from 'oauth4webapi';
import type { Clock } from '../../../domain/ports/clock.js';
import type { Logger } from '../../../domain/ports/logger.js';
import type { OidcHttp } from './oidc-http.js';

/** Everything one configured provider's calls share: its metadata, our client, HTTP, time, logs. */
export interface OidcContext {
  readonly as: oauth.AuthorizationServer;
  readonly clientId: string;
  readonly clientAuth: oauth.ClientAuth;
  readonly http: OidcHttp;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Our client as oauth4webapi sees it, its clock aligned with Keyway's `Clock` for `exp` checks. */
  client(): oauth.Client;
}

export interface OidcContextInput {
  readonly as: oauth.AuthorizationServer;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly http: OidcHttp;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * A confidential client authenticates the way the provider lists first among the two secret
 * methods, `client_secret_basic` when it lists neither (the default); a public client sends only
 * its `client_id` and relies on PKCE.
 * @see RFC 8414 §2 (token_endpoint_auth_methods_supported defaults to client_secret_basic), RFC 6749 §2.3.1
 */
function clientAuthFor(as: oauth.AuthorizationServer, secret: string | undefined): oauth.ClientAuth {
  if (secret === undefined) return oauth.None();
  const methods = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (!methods.includes('client_secret_basic') && methods.includes('client_secret_post')) return oauth.ClientSecretPost(secret);
  return oauth.ClientSecretBasic(secret);
}

export function createOidcContext(input: OidcContextInput): OidcContext {
  const { as, clientId, http, clock, logger } = input;
  return {
    as,
    clientId,
    clientAuth: clientAuthFor(as, input.clientSecret),
    http,
    clock,
    logger,
    client: () => ({ client_id: clientId, [oauth.clockSkew]: clock.now() - Math.floor(Date.now() / 1000) }),
  };
}
