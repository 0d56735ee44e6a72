import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDomainError } from '../../src/domain/errors.js';
import type { GrantStore } from '../../src/domain/ports/stores.js';
import { aCode, aGrant, anAccessToken, aRefreshToken, NOW, omit, tamper, type MakeStore } from './fixtures.js';
import { refreshContract } from './grant-store-refresh.js';
import { count, open, seedGrant } from './harness.js';

const invalidGrant = (error: unknown): boolean => isDomainError(error) && error.code === 'invalid_grant';

/** The GrantStore contract: every adapter's test calls this with a factory of fresh, empty stores. */
export function grantStoreContract(make: MakeStore<GrantStore>): void {
  describe('GrantStore contract: grants and codes', () => {
    test('a created grant is found as given; an unknown id is undefined; a reused id is refused', async (t) => {
      const store = await open(t, make);
      const input = { ...aGrant(), scopes: ['mcp', 'read'] };
      const minimal = omit(aGrant(), 'userName', 'upstreamSealed');
      await store.createGrant(input);
      await store.createGrant(minimal);
      const expected = structuredClone(input);
      tamper(input);
      const found = await store.findGrant(expected.grantId);
      assert.ok(found);
      tamper(found);
      assert.deepEqual(await store.findGrant(expected.grantId), expected);
      assert.deepEqual(await store.findGrant(minimal.grantId), minimal);
      assert.equal(await store.findGrant('no-such-grant'), undefined);
      await assert.rejects(store.createGrant(minimal));
    });

    test('F4 the first consumeCode redeems, every later one is a replay carrying the same record', async (t) => {
      const store = await open(t, make);
      const code = aCode(await seedGrant(store));
      await store.saveCode(code);
      assert.deepEqual(await store.consumeCode(code.codeHash, NOW), { kind: 'redeemed', code: { ...code, consumedAt: NOW } });
      for (const later of [NOW, NOW + 30]) {
        assert.deepEqual(await store.consumeCode(code.codeHash, later), { kind: 'replayed', code: { ...code, consumedAt: NOW } });
      }
      assert.deepEqual(await store.consumeCode('no-such-code', NOW), { kind: 'unknown' });
    });

    test('F2 findCode reads a code without consuming it, before and after redemption and past expiry', async (t) => {
      const store = await open(t, make);
      const code = aCode(await seedGrant(store));
      await store.saveCode(code);
      assert.deepEqual(await store.findCode(code.codeHash), code);
      assert.deepEqual(await store.findCode(code.codeHash), code, 'reading twice consumes nothing');
      assert.equal((await store.consumeCode(code.codeHash, NOW)).kind, 'redeemed');
      assert.deepEqual(await store.findCode(code.codeHash), { ...code, consumedAt: NOW });
      assert.equal(await store.findCode('no-such-code'), undefined);
    });

    test('F6 of 20 concurrent redemptions of one code exactly one is redeemed, the rest are replays', async (t) => {
      const store = await open(t, make);
      const code = aCode(await seedGrant(store));
      await store.saveCode(code);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.consumeCode(code.codeHash, NOW)));
      const kinds = outcomes.map((outcome) => outcome.kind);
      assert.equal(count(kinds, 'redeemed'), 1);
      assert.equal(count(kinds, 'replayed'), 19);
    });

    test('F7 a code redeems until the second before expiresAt; at expiresAt it is unknown, consumed or not', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const [early, late, used] = [aCode(grant), aCode(grant), aCode(grant)];
      for (const code of [early, late, used]) await store.saveCode(code);
      assert.equal((await store.consumeCode(early.codeHash, early.expiresAt - 1)).kind, 'redeemed');
      assert.equal((await store.consumeCode(late.codeHash, late.expiresAt)).kind, 'unknown');
      assert.equal((await store.consumeCode(used.codeHash, NOW)).kind, 'redeemed');
      assert.equal((await store.consumeCode(used.codeHash, used.expiresAt)).kind, 'unknown');
    });

    test('F12 a token hash presented as a code is unknown, and a code hash is no access token; both stay intact', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const [code, access, refresh] = [aCode(grant), anAccessToken(grant), aRefreshToken(grant)];
      await store.saveCode(code);
      await store.saveAccessToken(access);
      await store.saveRefreshToken(refresh);
      assert.equal((await store.consumeCode(access.tokenHash, NOW)).kind, 'unknown');
      assert.equal((await store.consumeCode(refresh.tokenHash, NOW)).kind, 'unknown');
      assert.equal(await store.findAccessToken(code.codeHash, NOW), undefined);
      assert.equal(await store.findRefreshToken(code.codeHash), undefined);
      assert.deepEqual(await store.findAccessToken(access.tokenHash, NOW), access);
      assert.equal((await store.consumeCode(code.codeHash, NOW)).kind, 'redeemed');
    });

    test('codes and tokens attach only to a live grant: unknown or revoked → invalid_grant, nothing stored', async (t) => {
      const store = await open(t, make);
      const ghost = aGrant();
      const revoked = await seedGrant(store);
      await store.revokeGrant(revoked.grantId, NOW);
      for (const grant of [ghost, revoked]) {
        const [code, access, refresh] = [aCode(grant), anAccessToken(grant), aRefreshToken(grant)];
        await assert.rejects(store.saveCode(code), invalidGrant);
        await assert.rejects(store.saveAccessToken(access), invalidGrant);
        await assert.rejects(store.saveRefreshToken(refresh), invalidGrant);
        assert.equal((await store.consumeCode(code.codeHash, NOW)).kind, 'unknown');
        assert.equal(await store.findRefreshToken(refresh.tokenHash), undefined);
      }
    });
  });

  describe('GrantStore contract: access tokens and revocation', () => {
    test('H1 an access token is live until the second before expiresAt, and dies with its grant’s absolute end', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store, { expiresAt: NOW + 7200 });
      const short = anAccessToken(grant, { expiresAt: NOW + 3600 });
      const long = anAccessToken(grant, { expiresAt: NOW + 9000 });
      await store.saveAccessToken(short);
      await store.saveAccessToken(long);
      assert.deepEqual(await store.findAccessToken(short.tokenHash, NOW + 3599), short);
      assert.equal(await store.findAccessToken(short.tokenHash, NOW + 3600), undefined);
      assert.deepEqual(await store.findAccessToken(long.tokenHash, NOW + 7199), long);
      assert.equal(await store.findAccessToken(long.tokenHash, NOW + 7200), undefined);
      assert.equal(await store.findAccessToken('no-such-token', NOW), undefined);
    });

    test('F4 G7 revokeGrant kills its codes, access and refresh tokens, keeps the first revocation time, spares other grants', async (t) => {
      const store = await open(t, make);
      const [grant, other] = [await seedGrant(store), await seedGrant(store)];
      const [used, fresh, access, refresh] = [aCode(grant), aCode(grant), anAccessToken(grant), aRefreshToken(grant)];
      const [otherAccess, otherRefresh] = [anAccessToken(other), aRefreshToken(other)];
      for (const code of [used, fresh]) await store.saveCode(code);
      for (const token of [access, otherAccess]) await store.saveAccessToken(token);
      for (const token of [refresh, otherRefresh]) await store.saveRefreshToken(token);
      await store.consumeCode(used.codeHash, NOW);

      await store.revokeGrant(grant.grantId, NOW + 5);
      await store.revokeGrant(grant.grantId, NOW + 9);
      await store.revokeGrant('no-such-grant', NOW);

      assert.equal((await store.findGrant(grant.grantId))?.revokedAt, NOW + 5);
      assert.equal((await store.consumeCode(used.codeHash, NOW + 10)).kind, 'unknown');
      assert.equal((await store.consumeCode(fresh.codeHash, NOW + 10)).kind, 'unknown');
      assert.equal(await store.findAccessToken(access.tokenHash, NOW + 10), undefined);
      assert.equal(await store.findRefreshToken(refresh.tokenHash), undefined);
      assert.equal((await store.findGrant(other.grantId))?.revokedAt, undefined);
      assert.deepEqual(await store.findAccessToken(otherAccess.tokenHash, NOW + 10), otherAccess);
      assert.deepEqual(await store.findRefreshToken(otherRefresh.tokenHash), otherRefresh);
    });

    test('revokeClientGrants revokes every live grant of the client, returns their ids, spares other clients', async (t) => {
      const store = await open(t, make);
      const mine = [await seedGrant(store, { clientId: 'client-a' }), await seedGrant(store, { clientId: 'client-a' })];
      const earlier = await seedGrant(store, { clientId: 'client-a' });
      await store.revokeGrant(earlier.grantId, NOW - 50);
      const theirs = await seedGrant(store, { clientId: 'client-b' });
      const tokens = [...mine, theirs].map((grant) => anAccessToken(grant));
      for (const token of tokens) await store.saveAccessToken(token);

      const revoked = await store.revokeClientGrants('client-a', NOW);
      assert.deepEqual([...revoked].sort(), mine.map((grant) => grant.grantId).sort());
      for (const grant of mine) assert.equal((await store.findGrant(grant.grantId))?.revokedAt, NOW);
      assert.equal((await store.findGrant(earlier.grantId))?.revokedAt, NOW - 50);
      assert.equal(await store.findAccessToken(tokens[0]?.tokenHash ?? '', NOW), undefined);
      assert.equal(await store.findAccessToken(tokens[1]?.tokenHash ?? '', NOW), undefined);
      assert.deepEqual(await store.findAccessToken(tokens[2]?.tokenHash ?? '', NOW), tokens[2]);
      assert.deepEqual(await store.revokeClientGrants('client-a', NOW + 1), []);
    });

    test('E7 updateUpstream replaces the sealed upstream tokens of a live grant only', async (t) => {
      const store = await open(t, make);
      const [live, revoked] = [await seedGrant(store), await seedGrant(store)];
      await store.revokeGrant(revoked.grantId, NOW);
      await store.updateUpstream(live.grantId, 'sealed-v2');
      await store.updateUpstream(revoked.grantId, 'sealed-v2');
      await store.updateUpstream('no-such-grant', 'sealed-v2');
      assert.equal((await store.findGrant(live.grantId))?.upstreamSealed, 'sealed-v2');
      assert.equal((await store.findGrant(revoked.grantId))?.upstreamSealed, revoked.upstreamSealed);
    });

    test('L7 purgeExpired deletes expired codes and tokens, and grants past their end with all they hold', async (t) => {
      const store = await open(t, make);
      const live = await seedGrant(store);
      const ended = await seedGrant(store, { expiresAt: NOW });
      const revoked = await seedGrant(store);
      await store.revokeGrant(revoked.grantId, NOW - 10);
      const keep = { code: aCode(live), access: anAccessToken(live), refresh: aRefreshToken(live) };
      await store.saveCode(keep.code);
      await store.saveCode(aCode(live, { expiresAt: NOW }));
      await store.saveAccessToken(keep.access);
      await store.saveAccessToken(anAccessToken(live, { expiresAt: NOW - 1 }));
      await store.saveRefreshToken(keep.refresh);
      await store.saveRefreshToken(aRefreshToken(live, { expiresAt: NOW }));
      const orphan = aRefreshToken(ended);
      await store.saveCode(aCode(ended));
      await store.saveAccessToken(anAccessToken(ended));
      await store.saveRefreshToken(orphan);

      assert.equal(await store.purgeExpired(NOW), 3 + 3 + 1);
      assert.equal(await store.purgeExpired(NOW), 0);
      assert.equal(await store.findGrant(ended.grantId), undefined);
      assert.equal(await store.findRefreshToken(orphan.tokenHash), undefined);
      assert.equal((await store.findGrant(revoked.grantId))?.revokedAt, NOW - 10);
      assert.deepEqual(await store.findAccessToken(keep.access.tokenHash, NOW), keep.access);
      assert.deepEqual(await store.findRefreshToken(keep.refresh.tokenHash), keep.refresh);
      assert.equal((await store.consumeCode(keep.code.codeHash, NOW)).kind, 'redeemed');
    });
  });

  refreshContract(make);
}
