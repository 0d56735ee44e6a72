import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aPublicClient } from '../../support/oauth-mothers.js';
import { createTokenWorld } from '../../support/token-world.js';

test('G7 revoking a refresh token ends the grant and its access tokens, and tells the app', async () => {
  const world = createTokenWorld();
  const { tokens, authorized } = await world.issue();
  await world.service.revoke({ client: world.client, token: tokens.refreshToken, tokenTypeHint: 'refresh_token' });
  assert.equal(await world.service.verifyAccessToken(tokens.accessToken), undefined);
  await assert.rejects(world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken }), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, [authorized.grant.grantId]);
});

test('G7 revoking an access token ends its grant too (documented choice), whatever the hint says', async () => {
  const world = createTokenWorld();
  const { tokens, authorized } = await world.issue();
  await world.service.revoke({ client: world.client, token: tokens.accessToken, tokenTypeHint: 'refresh_token' });
  assert.equal(await world.service.verifyAccessToken(tokens.accessToken), undefined);
  await assert.rejects(world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken }), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, [authorized.grant.grantId]);
});

test('G7 revoking a rotated refresh token ends the family it belongs to', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  const second = await world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken });
  await world.service.revoke({ client: world.client, token: tokens.refreshToken });
  assert.equal(await world.service.verifyAccessToken(second.accessToken), undefined);
  await assert.rejects(world.service.refresh({ client: world.client, refreshToken: second.refreshToken }), { code: 'invalid_grant' });
});

test('G7 unknown or garbage tokens are revoked successfully, and nothing changes', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  for (const token of ['kw_rt_unknown', 'kw_at_unknown', 'garbage', '', 'x'.repeat(10_000), 'eyJhbGciOiJub25lIn0.e30.']) {
    await world.service.revoke({ client: world.client, token, tokenTypeHint: 'access_token' });
  }
  assert.deepEqual(world.revoked, []);
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
});

test('G7 client B revoking client A\'s tokens succeeds, but the tokens keep working', async () => {
  const other = aPublicClient();
  const world = createTokenWorld({ clients: [other] });
  const { tokens } = await world.issue();
  await world.service.revoke({ client: other, token: tokens.refreshToken });
  await world.service.revoke({ client: other, token: tokens.accessToken });
  assert.deepEqual(world.revoked, []);
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
  assert.ok(await world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken }));
  assert.ok(world.logger.events.some((event) => event.event === 'oauth.revoke_foreign_token' && event.fields['clientId'] === other.clientId));
});

test('G7 revoking twice is harmless', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  await world.service.revoke({ client: world.client, token: tokens.refreshToken });
  await world.service.revoke({ client: world.client, token: tokens.refreshToken });
  assert.equal(world.revoked.length, 1);
});

test('revoking one grant leaves the client\'s other grants alone', async () => {
  const world = createTokenWorld();
  const first = await world.issue();
  const second = await world.issue();
  await world.service.revoke({ client: world.client, token: first.tokens.refreshToken });
  assert.ok(await world.service.verifyAccessToken(second.tokens.accessToken));
});

test('a failing onGrantRevoked listener does not undo or fail the revocation', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  world.revoked.push = () => {
    throw new Error('listener exploded');
  };
  await world.service.revoke({ client: world.client, token: tokens.refreshToken });
  assert.equal(await world.service.verifyAccessToken(tokens.accessToken), undefined);
  assert.ok(world.logger.events.some((event) => event.event === 'oauth.grant_revoked_listener_failed'));
});

test('L4 a storage outage during revocation propagates as storage_unavailable', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  world.setStorageDown(true);
  await assert.rejects(world.service.revoke({ client: world.client, token: tokens.refreshToken }), { code: 'storage_unavailable' });
});
