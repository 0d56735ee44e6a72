import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX } from '../../../src/domain/tokens/token.js';
import { aPkcePair, aPublicClient, CANONICAL_RESOURCE, createTestHasher } from '../../support/oauth-mothers.js';
import { createTokenWorld, type Authorized, type TokenWorld } from '../../support/token-world.js';

const hasher = createTestHasher();
const sha256 = (value: string): string => hasher.hash(value);

/** The legitimate client's redemption of `authorized`. */
function redeem(world: TokenWorld, authorized: Authorized, overrides: Partial<Parameters<TokenWorld['service']['exchangeCode']>[0]> = {}) {
  return world.service.exchangeCode({ client: world.client, code: authorized.code, codeVerifier: authorized.verifier, ...overrides });
}

/** Proves a code was not consumed: the legitimate redemption still succeeds. */
async function assertStillRedeemable(world: TokenWorld, authorized: Authorized): Promise<void> {
  const tokens = await redeem(world, authorized);
  assert.ok(tokens.accessToken.startsWith(ACCESS_TOKEN_PREFIX));
  assert.deepEqual(world.revoked, []);
}

test('F1 a valid exchange returns a Bearer access token, a refresh token (always) and the granted scope', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize({ grant: { scopes: ['mcp', 'tools:write'] } });
  const tokens = await redeem(world, authorized);
  assert.equal(tokens.tokenType, 'Bearer');
  assert.equal(tokens.expiresIn, world.policy.accessTokenTtlSeconds);
  assert.equal(tokens.scope, 'mcp tools:write');
  assert.ok(tokens.accessToken.startsWith(ACCESS_TOKEN_PREFIX) && tokens.accessToken.length >= ACCESS_TOKEN_PREFIX.length + 43);
  assert.ok(tokens.refreshToken.startsWith(REFRESH_TOKEN_PREFIX) && tokens.refreshToken.length >= REFRESH_TOKEN_PREFIX.length + 43);
  assert.deepEqual(await world.service.verifyAccessToken(tokens.accessToken), {
    subject: authorized.grant.subject,
    clientId: world.client.clientId,
    grantId: authorized.grant.grantId,
    scopes: ['mcp', 'tools:write'],
  });
  assert.deepEqual(world.registry.touched, [world.client.clientId], 'a used client is kept from expiring');
});

test('F1 refresh tokens are issued without offline_access (clients never ask for it)', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue({ grant: { scopes: ['mcp'] } });
  assert.ok(!tokens.scope.includes('offline_access'));
  const refreshed = await world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken });
  assert.ok(refreshed.refreshToken.startsWith(REFRESH_TOKEN_PREFIX));
});

test('F2 a wrong code_verifier is invalid_grant and the code survives', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  await assert.rejects(redeem(world, authorized, { codeVerifier: aPkcePair().verifier }), { code: 'invalid_grant' });
  await assertStillRedeemable(world, authorized);
});

test('F2 a missing code_verifier is invalid_grant and the code survives', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  await assert.rejects(redeem(world, authorized, { codeVerifier: undefined }), { code: 'invalid_grant' });
  await assertStillRedeemable(world, authorized);
});

test('F2 verifiers of 42 or 129 characters, or with illegal characters, fail even when their hash is the challenge', async () => {
  for (const verifier of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}/`, `${'a'.repeat(42)}=`, `${'a'.repeat(42)} `]) {
    const world = createTokenWorld();
    // The challenge is made from the malformed verifier itself, so only the syntax rule can refuse it.
    const authorized = await world.authorize();
    const crafted = await world.authorize({ code: { codeChallenge: sha256(verifier) } });
    await assert.rejects(redeem(world, crafted, { codeVerifier: verifier }), { code: 'invalid_grant' }, `verifier ${JSON.stringify(verifier)}`);
    await assertStillRedeemable(world, authorized);
  }
});

test('F2 verifiers of 43 and 128 unreserved characters are accepted', async () => {
  for (const verifier of ['A'.repeat(43), `${'a0-._~'.repeat(21)}zz`]) {
    const world = createTokenWorld();
    const authorized = await world.authorize({ code: { codeChallenge: sha256(verifier) } });
    const tokens = await redeem(world, authorized, { codeVerifier: verifier });
    assert.equal(tokens.tokenType, 'Bearer', `verifier of ${verifier.length}`);
  }
});

test('F3 a code issued without a challenge, redeemed with a code_verifier, is invalid_grant and not consumed', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize({ code: { codeChallenge: '' } });
  await assert.rejects(redeem(world, authorized), { code: 'invalid_grant' });
  await assert.rejects(redeem(world, authorized, { codeVerifier: undefined }), { code: 'invalid_grant' });
  assert.equal(world.calls.get('consumeCode') ?? 0, 0);
  assert.deepEqual(world.revoked, []);
});

test('F4 a valid replay of a redeemed code is invalid_grant and revokes what the first exchange issued', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  const first = await redeem(world, authorized);
  await assert.rejects(redeem(world, authorized), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, [authorized.grant.grantId]);
  assert.equal(await world.service.verifyAccessToken(first.accessToken), undefined);
  await assert.rejects(world.service.refresh({ client: world.client, refreshToken: first.refreshToken }), { code: 'invalid_grant' });
  const replay = world.logger.events.find((event) => event.event === 'oauth.code_replay');
  assert.equal(replay?.level, 'warn');
  assert.equal(replay.fields['clientId'], world.client.clientId);
  assert.equal(replay.fields['subject'], authorized.grant.subject);
});

test('F4 a valid replay 30 s later (past a short code lifetime) still revokes the grant', async () => {
  const world = createTokenWorld({ policy: { codeTtlSeconds: 10 } });
  const authorized = await world.authorize();
  const first = await redeem(world, authorized);
  world.clock.advance(30);
  await assert.rejects(redeem(world, authorized), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, [authorized.grant.grantId]);
  assert.equal(await world.service.verifyAccessToken(first.accessToken), undefined);
});

test('F5 an invalid replay (wrong verifier, or another client) changes nothing', async () => {
  const other = aPublicClient();
  const world = createTokenWorld({ clients: [other] });
  const authorized = await world.authorize();
  const first = await redeem(world, authorized);
  await assert.rejects(redeem(world, authorized, { codeVerifier: aPkcePair().verifier }), { code: 'invalid_grant' });
  await assert.rejects(redeem(world, authorized, { client: other }), { code: 'invalid_grant' });
  await assert.rejects(redeem(world, authorized, { redirectUri: 'https://evil.example/cb' }), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, []);
  assert.ok(await world.service.verifyAccessToken(first.accessToken));
  const refreshed = await world.service.refresh({ client: world.client, refreshToken: first.refreshToken });
  assert.ok(await world.service.verifyAccessToken(refreshed.accessToken));
});

test('F6 concurrent redemptions of one code: exactly one success, and at most one token family survives', async () => {
  for (let round = 0; round < 100; round += 1) {
    const world = createTokenWorld({ jitter: true });
    const authorized = await world.authorize();
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => redeem(world, authorized)));
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    assert.equal(won.length, 1, `round ${round}`);
    for (const outcome of outcomes) if (outcome.status === 'rejected') assert.equal((outcome.reason as { code?: string }).code, 'invalid_grant');
    let liveFamilies = 0;
    for (const outcome of won) if ((await world.service.verifyAccessToken(outcome.value.accessToken)) !== undefined) liveFamilies += 1;
    assert.ok(liveFamilies <= 1, `round ${round}: ${liveFamilies} live families`);
  }
});

test('F7 a code past its lifetime is invalid_grant', async () => {
  const world = createTokenWorld({ policy: { codeTtlSeconds: 600 } });
  const authorized = await world.authorize();
  world.clock.advance(600);
  await assert.rejects(redeem(world, authorized), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, []);
});

test('F7 a code in its last second still redeems', async () => {
  const world = createTokenWorld({ policy: { codeTtlSeconds: 600 } });
  const authorized = await world.authorize();
  world.clock.advance(599);
  assert.equal((await redeem(world, authorized)).tokenType, 'Bearer');
});

test('F8 a code redeemed by another valid client is invalid_grant and stays redeemable', async () => {
  const other = aPublicClient();
  const world = createTokenWorld({ clients: [other] });
  const authorized = await world.authorize();
  await assert.rejects(redeem(world, authorized, { client: other }), { code: 'invalid_grant' });
  await assertStillRedeemable(world, authorized);
});

test('F8 a redirect_uri that differs from the authorization request is invalid_grant and the code is not consumed', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize({ grant: { redirectUri: 'http://127.0.0.1:50123/cb' } });
  for (const redirectUri of ['http://127.0.0.1:33418/cb', 'http://127.0.0.1:50123/cb/', 'http://localhost:50123/cb']) {
    await assert.rejects(redeem(world, authorized, { redirectUri }), { code: 'invalid_grant' }, redirectUri);
  }
  assert.equal(world.calls.get('consumeCode') ?? 0, 0);
  const tokens = await redeem(world, authorized, { redirectUri: 'http://127.0.0.1:50123/cb' });
  assert.equal(tokens.tokenType, 'Bearer');
});

test('F9 a resource that differs from the authorization request is invalid_target and the code is not consumed', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  for (const resource of ['https://other.example/mcp', 'https://mcp.example.com/mcp-other', 'https://mcp.example.com/mcp#x']) {
    await assert.rejects(redeem(world, authorized, { resource }), { code: 'invalid_target' }, resource);
  }
  await assertStillRedeemable(world, authorized);
});

test('F9 an omitted resource is inherited; every name of this server means the canonical audience', async () => {
  for (const resource of [undefined, CANONICAL_RESOURCE, 'HTTPS://MCP.EXAMPLE.COM/mcp/', 'https://mcp.example.com/sse', 'https://mcp.example.com']) {
    const world = createTokenWorld();
    const authorized = await world.authorize();
    const tokens = await redeem(world, authorized, { resource });
    assert.ok(await world.service.verifyAccessToken(tokens.accessToken), String(resource));
  }
});

test('F12 a refresh token, a state or a CSRF token presented as a code is invalid_grant and untouched', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  for (const code of [tokens.refreshToken, tokens.accessToken, 'x8Hk2mP0qL5nR7tV9wY1zA3cE6gJ4bD8fS0uW2xZ4yQ', '']) {
    await assert.rejects(world.service.exchangeCode({ client: world.client, code, codeVerifier: aPkcePair().verifier }), { code: 'invalid_grant' });
  }
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
  assert.ok(await world.service.refresh({ client: world.client, refreshToken: tokens.refreshToken }));
});

test('a code of a revoked grant is invalid_grant', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  await world.store.revokeGrant(authorized.grant.grantId, world.clock.now());
  await assert.rejects(redeem(world, authorized), { code: 'invalid_grant' });
});

test('L4 a storage outage propagates as storage_unavailable, never invalid_grant, and the code survives it', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  world.setStorageDown(true);
  await assert.rejects(redeem(world, authorized), { code: 'storage_unavailable' });
  world.setStorageDown(false);
  await assertStillRedeemable(world, authorized);
});

test('M1 M3 neither the code, the verifier nor the issued tokens are logged or stored in clear', async () => {
  const world = createTokenWorld();
  const authorized = await world.authorize();
  const tokens = await redeem(world, authorized);
  const stored = JSON.stringify([
    await world.store.findCode(authorized.record.codeHash),
    await world.store.findRefreshToken(sha256(tokens.refreshToken)),
    await world.store.findAccessToken(sha256(tokens.accessToken), world.clock.now()),
  ]);
  await assert.rejects(redeem(world, authorized), { code: 'invalid_grant' });
  const logged = JSON.stringify(world.logger.events);
  for (const secret of [authorized.code, authorized.verifier, tokens.accessToken, tokens.refreshToken]) {
    assert.ok(!logged.includes(secret), 'a credential reached the log');
    assert.ok(!stored.includes(secret), 'a credential was stored in clear');
  }
  assert.ok(stored.includes(authorized.grant.grantId), 'the records were found');
});
