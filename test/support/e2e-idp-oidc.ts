import type { TestContext } from 'node:test';
import { startKeyway, type StartedKeyway } from './keyway.js';
import type { UpstreamLogin } from './oauth-flow.js';
import { startOidcProvider, type OidcTestProvider, type OidcTestProviderOptions } from './oidc-provider.js';

/**
 * The OpenID Connect end-to-end world: a real `oidc-provider` on loopback (its clients are native,
 * so Keyway's `http://127.0.0.1:<port>/callback` matches the registered `http://127.0.0.1/callback`
 * on any port, RFC 8252 §7.3) and a Keyway configured with nothing but `KEYWAY_IDP=oidc` and the
 * provider's settings.
 */
export interface OidcKeyway {
  readonly idp: OidcTestProvider;
  readonly keyway: StartedKeyway;
  /** The person at the provider: signs in as the given login and consents; returns Keyway's callback URL. */
  readonly atProvider: UpstreamLogin;
}

/** The person at the OpenID provider, from Keyway's redirect to the provider's redirect back. */
export function oidcLogin(idp: OidcTestProvider, keywayOrigin: string): UpstreamLogin {
  return async (redirectTo, login) => {
    if (!redirectTo.startsWith(`${idp.issuer}/`)) throw new Error(`Keyway sent the browser to ${redirectTo}, not to the provider at ${idp.issuer}`);
    const back = new URL('/callback', keywayOrigin);
    for (const [name, value] of Object.entries(await idp.completeLogin(redirectTo, login))) back.searchParams.set(name, value);
    return back.href;
  };
}

/** Starts the provider and a Keyway signing users in with it (confidential client `keyway`). */
export async function startOidcKeyway(t: TestContext, options: OidcTestProviderOptions = {}, env: Record<string, string> = {}): Promise<OidcKeyway> {
  const idp = await startOidcProvider(t, options);
  const keyway = await startKeyway(t, {
    KEYWAY_IDP: 'oidc',
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    ...env,
  });
  return { idp, keyway, atProvider: oidcLogin(idp, keyway.origin) };
}
