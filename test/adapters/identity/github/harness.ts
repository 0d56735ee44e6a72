import type { TestContext } from 'node:test';
import { createGithubIdentityProvider, type GithubOptions } from '../../../../src/adapters/identity/github/github-identity-provider.js';
import type { IdentityProvider } from '../../../../src/domain/ports/identity.js';
import { startFakeGithub, type FakeGithub, type FakeGithubOptions } from '../../../support/fake-github.js';
import { createFakeClock, type FakeClock } from '../../../support/fake-clock.js';
import { createRecordingLogger } from '../../../support/oauth-mothers.js';

/** A short deadline, so a hung fake GitHub settles in the tests at once. */
export const TEST_TIMEOUT_MS = 300;

export const CALLBACK_URL = 'https://keyway.example/callback';

export interface GithubWorld {
  readonly github: FakeGithub;
  readonly provider: IdentityProvider;
  readonly options: GithubOptions;
  readonly clock: FakeClock;
  readonly logger: ReturnType<typeof createRecordingLogger>;
}

/** A fake GitHub on loopback and the GitHub provider pointed at it. */
export async function startGithubWorld(t: TestContext, fake: FakeGithubOptions = {}, overrides: Partial<GithubOptions> = {}): Promise<GithubWorld> {
  const clock = createFakeClock();
  const github = await startFakeGithub(t, { now: () => clock.now(), ...fake });
  const logger = createRecordingLogger();
  const options: GithubOptions = {
    clientId: github.clientId,
    clientSecret: github.clientSecret,
    webBaseUrl: github.webBaseUrl,
    apiBaseUrl: github.apiBaseUrl,
    timeoutMs: TEST_TIMEOUT_MS,
    clock,
    logger,
    ...overrides,
  };
  return { github, provider: createGithubIdentityProvider(options), options, clock, logger };
}

/** One whole sign-in of `login` through the fake; returns the identity. */
export async function signInAs(world: GithubWorld, login: string, state = 'keyway-state') {
  const start = await world.provider.startLogin({ state, callbackUrl: CALLBACK_URL });
  const params = await world.github.signIn(start.redirectTo, login);
  return world.provider.finishLogin({ params, secret: start.secret, callbackUrl: CALLBACK_URL });
}
