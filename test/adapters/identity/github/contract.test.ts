import { identityProviderContract } from '../../../contracts/identity-provider.js';
import { CALLBACK_URL, startGithubWorld } from './harness.js';

identityProviderContract('GitHub (against the fake GitHub)', async (t) => {
  const { github, provider } = await startGithubWorld(t);
  return {
    provider,
    callbackUrl: CALLBACK_URL,
    completeLogin: (redirectTo, user) => github.signIn(redirectTo, user),
    denyLogin: (redirectTo) => github.deny(redirectTo),
    breakProvider: (mode) => github.fail(mode === 'timeout' ? 'hang' : mode),
    renameUser: (user, newName) => github.rename(user, newName),
  };
});

identityProviderContract('GitHub App user tokens (against the fake GitHub)', async (t) => {
  const { github, provider } = await startGithubWorld(t, { app: true });
  return {
    provider,
    callbackUrl: CALLBACK_URL,
    completeLogin: (redirectTo, user) => github.signIn(redirectTo, user),
    denyLogin: (redirectTo) => github.deny(redirectTo),
    breakProvider: (mode) => github.fail(mode === 'timeout' ? 'hang' : mode),
    renameUser: (user, newName) => github.rename(user, newName),
  };
});
