import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenResponse } from '../../../src/domain/tokens/token-service.js';
import { aPublicClient, createTestHasher } from '../../support/oauth-mothers.js';
import { createTokenWorld, type TokenWorld } from '../../support/token-world.js';

const hasher = createTestHasher();
const sha256 = (value: string): string => hasher.hash(value);

function refresh(world: TokenWorld, refreshToken: string, overrides: Partial<Parameters<TokenWorld['service']['refresh']>[0]> = {}): Promise<TokenResponse> {
  return world.service.refresh({ client: world.client, refreshToken, ...overrides });
}

/** Every credential of a family is dead: access tokens fail verification, refresh tokens `invalid_grant`. */
async function assertFamilyDead(world: TokenWorld, ...responses: TokenResponse[]): Promise<void> {
  for (const response of responses) {
    assert.equal(await world.service.verifyAccessToken(response.accessToken), undefined, 'an access token still works');
    await assert.rejects(refresh(world, response.refreshToken), { code: 'invalid_grant' });
  }
}

test('G1 a refresh returns a new access token and a new refresh token with the grant\'s scope', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue({ grant: { scopes: ['mcp', 'tools:write'] } });
  const next = await refresh(world, tokens.refreshToken);
  assert.notEqual(next.refreshToken, tokens.refreshToken);
  assert.notEqual(next.accessToken, tokens.accessToken);
  assert.equal(next.scope, 'mcp tools:write');
  assert.equal(next.tokenType, 'Bearer');
  assert.ok(await world.service.verifyAccessToken(next.accessToken));
});

test('G1 a requested subset narrows the access token; the next refresh token keeps the grant\'s scope', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue({ grant: { scopes: ['mcp', 'tools:write'] } });
  const narrowed = await refresh(world, tokens.refreshToken, { scope: ['mcp'] });
  assert.equal(narrowed.scope, 'mcp');
  assert.deepEqual((await world.service.verifyAccessToken(narrowed.accessToken))?.scopes, ['mcp']);
  const full = await refresh(world, narrowed.refreshToken);
  assert.equal(full.scope, 'mcp tools:write');
});

test('G2 a rotated-out refresh token used after the grace window is invalid_grant and revokes the whole family', async () => {
  const world = createTokenWorld({ policy: { refreshGraceSeconds: 60 } });
  const { tokens, authorized } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  world.clock.advance(61);
  await assert.rejects(refresh(world, tokens.refreshToken), { code: 'invalid_grant' });
  assert.deepEqual(world.revoked, [authorized.grant.grantId]);
  await assertFamilyDead(world, tokens, second);
  const reuse = world.logger.events.find((event) => event.event === 'oauth.refresh_reuse');
  assert.equal(reuse?.level, 'warn');
  assert.equal(reuse.fields['subject'], authorized.grant.subject);
});

test('G3 a lost response: RT1 within the grace window returns the identical pair, any number of times, and revokes nothing', async () => {
  const world = createTokenWorld({ policy: { refreshGraceSeconds: 60 } });
  const { tokens } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  const rotatedAt = world.clock.now();
  for (const wait of [0, 20, 39]) {
    world.clock.advance(wait);
    const retried = await refresh(world, tokens.refreshToken);
    assert.equal(retried.accessToken, second.accessToken);
    assert.equal(retried.refreshToken, second.refreshToken);
    assert.equal(retried.scope, second.scope);
    assert.equal(retried.expiresIn, second.expiresIn - (world.clock.now() - rotatedAt), 'expires_in counts from now');
  }
  assert.deepEqual(world.revoked, []);
  assert.ok(await world.service.verifyAccessToken(second.accessToken));
  const third = await refresh(world, second.refreshToken);
  assert.ok(await world.service.verifyAccessToken(third.accessToken));
});

test('G3 RT1 after RT2 has been used is invalid_grant and revokes the family, even inside the window', async () => {
  const world = createTokenWorld({ policy: { refreshGraceSeconds: 60 } });
  const { tokens } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  const third = await refresh(world, second.refreshToken);
  await assert.rejects(refresh(world, tokens.refreshToken), { code: 'invalid_grant' });
  await assertFamilyDead(world, tokens, second, third);
});

test('G3 RT1 exactly at the end of the window is reuse', async () => {
  const world = createTokenWorld({ policy: { refreshGraceSeconds: 60 } });
  const { tokens } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  world.clock.advance(59);
  assert.equal((await refresh(world, tokens.refreshToken)).refreshToken, second.refreshToken);
  world.clock.advance(1);
  await assert.rejects(refresh(world, tokens.refreshToken), { code: 'invalid_grant' });
  await assertFamilyDead(world, second);
});

test('G3 Decision 1 the retry pair is stored only sealed', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  const record = await world.store.findRefreshToken(sha256(tokens.refreshToken));
  assert.ok(record?.retrySealed !== undefined);
  const stored = JSON.stringify(record);
  assert.ok(!stored.includes(second.refreshToken) && !stored.includes(second.accessToken));
});

test('G3 L3 a retry pair that cannot be opened ends the family with invalid_grant (the client re-authorizes)', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  world.loseSealingKey();
  await assert.rejects(refresh(world, tokens.refreshToken), { code: 'invalid_grant' });
  await assertFamilyDead(world, second);
});

test('G4 concurrent refreshes with one token all get the one successor pair (Decision 1); one family lives', async () => {
  for (let round = 0; round < 100; round += 1) {
    const world = createTokenWorld({ policy: { refreshGraceSeconds: 60 }, jitter: true });
    const { tokens } = await world.issue();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => refresh(world, tokens.refreshToken)));
    const pairs = new Set(outcomes.map((outcome) => `${outcome.accessToken} ${outcome.refreshToken}`));
    assert.equal(pairs.size, 1, `round ${round}: ${pairs.size} different pairs`);
    assert.deepEqual(world.revoked, []);
    const [winner] = outcomes;
    assert.ok(winner !== undefined && (await world.service.verifyAccessToken(winner.accessToken)));
    assert.ok(await refresh(world, winner.refreshToken));
  }
});

test('G4 with no grace window, concurrent refreshes never leave two live families', async () => {
  for (let round = 0; round < 100; round += 1) {
    const world = createTokenWorld({ policy: { refreshGraceSeconds: 0 }, jitter: true });
    const { tokens } = await world.issue();
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => refresh(world, tokens.refreshToken)));
    for (const outcome of outcomes) if (outcome.status === 'rejected') assert.equal((outcome.reason as { code?: string }).code, 'invalid_grant');
    const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    let live = 0;
    for (const pair of won) if ((await world.service.verifyAccessToken(pair.accessToken)) !== undefined) live += 1;
    assert.ok(live <= 1, `round ${round}: ${live} live families`);
  }
});

test('G5 another client\'s refresh token is invalid_grant and the grant is untouched', async () => {
  const other = aPublicClient();
  const world = createTokenWorld({ clients: [other] });
  const { tokens } = await world.issue();
  await assert.rejects(refresh(world, tokens.refreshToken, { client: other }), { code: 'invalid_grant' });
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
  const next = await refresh(world, tokens.refreshToken);
  assert.notEqual(next.refreshToken, tokens.refreshToken, 'the token had not been rotated by the refused request');
  assert.deepEqual(world.revoked, []);
});

test('G5 a scope wider than the grant is invalid_scope and touches nothing', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue({ grant: { scopes: ['mcp'] } });
  for (const scope of [['mcp', 'tools:write'], ['tools:write'], ['tools:write', 'claudeai']]) {
    await assert.rejects(refresh(world, tokens.refreshToken, { scope }), { code: 'invalid_scope' }, scope.join(' '));
  }
  assert.equal(world.calls.get('rotateRefreshToken') ?? 0, 0);
  assert.equal((await refresh(world, tokens.refreshToken)).scope, 'mcp');
  assert.deepEqual(world.revoked, []);
});

test('G1 scopes the server does not offer are ignored on refresh, as at /authorize (CLIENTS.md 1.5)', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue({ grant: { scopes: ['mcp', 'tools:write'] } });
  const ignored = await refresh(world, tokens.refreshToken, { scope: ['claudeai'] });
  assert.equal(ignored.scope, 'mcp tools:write');
  const narrowed = await refresh(world, ignored.refreshToken, { scope: ['mcp', 'offline_access', 'mcp'] });
  assert.equal(narrowed.scope, 'mcp');
});

test('G5 a resource outside the grant is invalid_target and touches nothing', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  for (const resource of ['https://other.example/mcp', 'https://mcp.example.com/mcp-other']) {
    await assert.rejects(refresh(world, tokens.refreshToken, { resource }), { code: 'invalid_target' }, resource);
  }
  assert.equal(world.calls.get('rotateRefreshToken') ?? 0, 0);
  assert.ok(await refresh(world, tokens.refreshToken, { resource: 'https://mcp.example.com/sse' }));
  assert.deepEqual(world.revoked, []);
});

test('G6 an idle refresh token expires; using it keeps it alive (sliding)', async () => {
  const idle = 3600;
  const world = createTokenWorld({ policy: { refreshTokenIdleSeconds: idle } });
  const { tokens } = await world.issue();
  let current = tokens;
  for (let step = 0; step < 3; step += 1) {
    world.clock.advance(idle - 1);
    current = await refresh(world, current.refreshToken);
  }
  world.clock.advance(idle);
  await assert.rejects(refresh(world, current.refreshToken), { code: 'invalid_grant' });
});

test('G6 the grant\'s absolute lifetime ends the family despite sliding renewal; the last seconds give 200 or invalid_grant', async () => {
  const world = createTokenWorld({ policy: { refreshTokenIdleSeconds: 3600, grantMaxSeconds: 3 * 3600, accessTokenTtlSeconds: 3600 } });
  const { tokens } = await world.issue();
  let current = tokens;
  for (let step = 0; step < 3; step += 1) {
    world.clock.advance(3000);
    current = await refresh(world, current.refreshToken);
  }
  world.clock.advance(3 * 3600 - 9000 - 1);
  const last = await refresh(world, current.refreshToken);
  assert.equal(last.expiresIn, 1, 'nothing outlives the grant');
  assert.ok(await world.service.verifyAccessToken(last.accessToken));
  world.clock.advance(1);
  assert.equal(await world.service.verifyAccessToken(last.accessToken), undefined);
  await assert.rejects(refresh(world, last.refreshToken), { code: 'invalid_grant' });
});

test('G8 a refresh racing a revocation of the same token leaves nothing the refresh minted alive', async () => {
  for (let round = 0; round < 100; round += 1) {
    const world = createTokenWorld({ jitter: true });
    const { tokens } = await world.issue();
    const [refreshed] = await Promise.allSettled([
      refresh(world, tokens.refreshToken),
      world.service.revoke({ client: world.client, token: tokens.refreshToken }),
    ]);
    if (refreshed.status === 'fulfilled') await assertFamilyDead(world, refreshed.value);
    else assert.equal((refreshed.reason as { code?: string }).code, 'invalid_grant');
    await assertFamilyDead(world, tokens);
  }
});

test('unknown, foreign and access tokens presented as refresh tokens are invalid_grant', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  for (const token of [tokens.accessToken, 'kw_rt_unknown', 'eyJhbGciOiJub25lIn0.e30.', 'gho_16C7e42F292c6912E7710c838347Ae178B4a']) {
    await assert.rejects(refresh(world, token), { code: 'invalid_grant' });
  }
  assert.deepEqual(world.revoked, []);
});

test('L4 a storage outage during refresh is storage_unavailable and the token survives it', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  world.setStorageDown(true);
  await assert.rejects(refresh(world, tokens.refreshToken), { code: 'storage_unavailable' });
  world.setStorageDown(false);
  assert.ok(await refresh(world, tokens.refreshToken));
});

test('M1 refresh logs carry client and grant, never a token', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  const second = await refresh(world, tokens.refreshToken);
  await refresh(world, tokens.refreshToken);
  world.clock.advance(3600);
  await assert.rejects(refresh(world, tokens.refreshToken));
  const logged = JSON.stringify(world.logger.events);
  for (const secret of [tokens.accessToken, tokens.refreshToken, second.accessToken, second.refreshToken]) assert.ok(!logged.includes(secret));
});
