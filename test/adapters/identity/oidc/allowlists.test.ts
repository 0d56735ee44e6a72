import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import type { OidcOptions } from '../../../../src/adapters/identity/oidc/oidc-identity-provider.js';
import { isDomainError } from '../../../../src/domain/errors.js';
import { startOidcWorld, type OidcWorld } from './oidc-world.js';

type Rules = Pick<OidcOptions, 'allowedEmailDomains' | 'requiredClaim' | 'useUserinfo'>;

async function worldWith(t: TestContext, rules: Rules): Promise<OidcWorld> {
  return startOidcWorld(t, { adapter: rules });
}

async function refused(world: OidcWorld, login: string, reason: RegExp): Promise<void> {
  await assert.rejects(world.signIn(login), (error: unknown) => {
    assert.ok(isDomainError(error), String(error));
    assert.equal(error.code, 'login_refused', error.message);
    assert.match(error.message, /^This account may not sign in here: /);
    assert.match(error.message, reason);
    return true;
  });
  const logged = world.events.find((event) => event.event === 'oidc.login_refused');
  assert.ok(logged !== undefined, 'the refusal is logged with its reason');
  assert.match(String(logged.fields.reason), reason);
}

describe('OIDC allowlists: who may sign in', () => {
  test('by verified e-mail domain: a verified address at an allowed domain signs in', async (t) => {
    const world = await worldWith(t, { allowedEmailDomains: ['example.com', 'example.net'] });
    assert.equal((await world.signIn('alice')).name, 'Alice Liddell');
  });

  test('by verified e-mail domain: another domain is refused, naming it', async (t) => {
    await refused(await worldWith(t, { allowedEmailDomains: ['example.com'] }), 'bob', /accounts at example\.org may not sign in here/);
  });

  test('by verified e-mail domain: an unverified address at an allowed domain is refused', async (t) => {
    await refused(await worldWith(t, { allowedEmailDomains: ['example.com'] }), 'carol', /carol@example\.com is not verified/);
  });

  test('by verified e-mail domain: an account without an e-mail is refused', async (t) => {
    await refused(await worldWith(t, { allowedEmailDomains: ['example.com'] }), 'nomail', /no e-mail address/);
  });

  test('by verified e-mail domain: domains compare case-insensitively and exactly (no suffix match)', async (t) => {
    const world = await worldWith(t, { allowedEmailDomains: ['EXAMPLE.COM'] });
    assert.ok((await world.signIn('alice')).subject.startsWith('oidc:'));
    await refused(await worldWith(t, { allowedEmailDomains: ['ample.com'] }), 'alice', /example\.com may not sign in/);
  });

  test('by claim value: an array claim that contains the value signs in; one that does not is refused', async (t) => {
    const world = await worldWith(t, { requiredClaim: { name: 'groups', value: 'admins' } });
    assert.equal((await world.signIn('alice')).name, 'Alice Liddell');
    await refused(world, 'bob', /"groups" claim does not include "admins"/);
  });

  test('by claim value: a string claim must be equal; a missing claim is refused', async (t) => {
    const world = await worldWith(t, { requiredClaim: { name: 'preferred_username', value: 'alice' } });
    await world.signIn('alice');
    const groups = await worldWith(t, { requiredClaim: { name: 'groups', value: 'staff' } });
    await refused(groups, 'nomail', /"groups" claim/);
  });

  test('both rules apply together', async (t) => {
    const world = await worldWith(t, { allowedEmailDomains: ['example.com'], requiredClaim: { name: 'groups', value: 'admins' } });
    await world.signIn('alice');
    await refused(world, 'mallory', /evil\.example/);
  });

  test('a refused user gets no identity and no token is kept', async (t) => {
    const world = await worldWith(t, { allowedEmailDomains: ['example.com'] });
    const signedIn = world.events.filter((event) => event.event === 'oidc.signed_in').length;
    await refused(world, 'bob', /example\.org/);
    assert.equal(world.events.filter((event) => event.event === 'oidc.signed_in').length, signedIn);
  });
});
