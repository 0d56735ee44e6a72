import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCESS_TOKEN_PREFIX } from '../../../src/domain/tokens/token.js';
import { createTestHasher } from '../../support/oauth-mothers.js';
import { createTokenWorld } from '../../support/token-world.js';

const hasher = createTestHasher();
const sha256 = (value: string): string => hasher.hash(value);

test('H1 a live access token resolves to its principal: subject, client, grant, scopes', async () => {
  const world = createTokenWorld();
  const { tokens, authorized } = await world.issue({ grant: { subject: 'github:123', scopes: ['mcp'] } });
  assert.deepEqual(await world.service.verifyAccessToken(tokens.accessToken), {
    subject: 'github:123',
    clientId: world.client.clientId,
    grantId: authorized.grant.grantId,
    scopes: ['mcp'],
  });
});

test('H1 an expired access token is refused', async () => {
  const world = createTokenWorld({ policy: { accessTokenTtlSeconds: 600 } });
  const { tokens } = await world.issue();
  world.clock.advance(599);
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken));
  world.clock.advance(1);
  assert.equal(await world.service.verifyAccessToken(tokens.accessToken), undefined);
});

test('H1 a revoked, random, truncated or tampered token is refused', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  const revoked = await world.issue();
  await world.service.revoke({ client: world.client, token: revoked.tokens.accessToken });
  const last = tokens.accessToken.at(-1) === 'A' ? 'B' : 'A';
  for (const token of [
    revoked.tokens.accessToken,
    `${ACCESS_TOKEN_PREFIX}${'A'.repeat(43)}`,
    tokens.accessToken.slice(0, -1),
    `${tokens.accessToken.slice(0, -1)}${last}`,
    `${tokens.accessToken}x`,
    tokens.refreshToken,
    '',
  ]) {
    assert.equal(await world.service.verifyAccessToken(token), undefined);
  }
  assert.ok(await world.service.verifyAccessToken(tokens.accessToken), 'the real token still works');
});

test('H2 a token whose audience is another resource is refused', async () => {
  const world = createTokenWorld();
  const { authorized } = await world.issue();
  for (const [index, resource] of ['https://other.example/mcp', 'https://mcp.example.com/mcp-other', 'https://mcp.example.com/sse'].entries()) {
    const token = `${ACCESS_TOKEN_PREFIX}${String(index).repeat(43)}`;
    await world.store.saveAccessToken({
      tokenHash: sha256(token),
      grantId: authorized.grant.grantId,
      clientId: world.client.clientId,
      subject: authorized.grant.subject,
      scopes: ['mcp'],
      resource,
      expiresAt: world.clock.now() + 3600,
    });
    assert.equal(await world.service.verifyAccessToken(token), undefined, resource);
  }
});

test('H3 E6 foreign tokens (JWTs, alg none, upstream GitHub tokens) are refused without a storage lookup', async () => {
  const world = createTokenWorld();
  const before = world.calls.get('findAccessToken') ?? 0;
  for (const token of [
    'eyJhbGciOiJIUzI1NiIsImtpZCI6InVua25vd24ifQ.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSJ9.c2ln',
    'eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL21jcC5leGFtcGxlLmNvbS9tY3AifQ.',
    'gho_16C7e42F292c6912E7710c838347Ae178B4a',
    'ghu_16C7e42F292c6912E7710c838347Ae178B4a',
    `${ACCESS_TOKEN_PREFIX}${'a'.repeat(600)}`,
  ]) {
    assert.equal(await world.service.verifyAccessToken(token), undefined);
  }
  assert.equal(world.calls.get('findAccessToken') ?? 0, before);
});

test('L4 a storage outage rejects with storage_unavailable (the gate answers 503), not undefined (401)', async () => {
  const world = createTokenWorld();
  const { tokens } = await world.issue();
  world.setStorageDown(true);
  await assert.rejects(world.service.verifyAccessToken(tokens.accessToken), { code: 'storage_unavailable' });
});
