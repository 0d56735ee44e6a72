import { createOidcIdentityProvider } from '../../../../src/adapters/identity/oidc/oidc-identity-provider.js';
import { identityProviderContract } from '../../../contracts/identity-provider.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import { createRecordingLogger } from '../../../support/oauth-mothers.js';
import { startOidcProvider } from '../../../support/oidc-provider.js';

/** The shared IdentityProvider contract against a real OpenID provider (`oidc-provider`) on loopback. */
identityProviderContract('OpenID Connect (oidc-provider)', async (t) => {
  const callbackUrl = 'http://127.0.0.1:8123/callback';
  const idp = await startOidcProvider(t, { redirectUris: [callbackUrl] });
  const provider = await createOidcIdentityProvider({
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    timeoutMs: 500,
    clock: createFakeClock(Math.floor(Date.now() / 1000)),
    logger: createRecordingLogger(),
  });
  return {
    provider,
    callbackUrl,
    completeLogin: (redirectTo, user) => idp.completeLogin(redirectTo, user),
    denyLogin: (redirectTo) => idp.denyLogin(redirectTo),
    breakProvider: (mode) => idp.breakBackChannel(mode),
    renameUser: (user, newName) => idp.renameUser(user, newName),
  };
});
