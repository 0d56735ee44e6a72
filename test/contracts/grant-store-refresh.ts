import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GrantStore } from '../../src/domain/ports/stores.js';
import { anAccessToken, aRefreshToken, NOW, type MakeStore } from './fixtures.js';
import { count, open, seedGrant } from './harness.js';

/** Refresh tokens: the compare-and-set rotation of SECURITY.md Decision 1. Part of the GrantStore contract. */
export function refreshContract(make: MakeStore<GrantStore>): void {
  describe('GrantStore contract: refresh rotation', () => {
    test('a saved refresh token is found as given; an unknown hash is undefined', async (t) => {
      const store = await open(t, make);
      const token = aRefreshToken(await seedGrant(store));
      await store.saveRefreshToken(token);
      assert.deepEqual(await store.findRefreshToken(token.tokenHash), token);
      assert.equal(await store.findRefreshToken('no-such-token'), undefined);
    });

    test('G1 rotation marks the old token and stores the successor and its access token in one step', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const old = aRefreshToken(grant);
      await store.saveRefreshToken(old);
      const [successor, access] = [aRefreshToken(grant), anAccessToken(grant)];
      assert.deepEqual(await store.rotateRefreshToken(old.tokenHash, successor, access, 'sealed-pair', NOW + 5), { kind: 'rotated' });
      const rotated = { ...old, rotatedAt: NOW + 5, successorHash: successor.tokenHash, retrySealed: 'sealed-pair' };
      assert.deepEqual(await store.findRefreshToken(old.tokenHash), rotated);
      assert.deepEqual(await store.findRefreshToken(successor.tokenHash), successor);
      assert.deepEqual(await store.findAccessToken(access.tokenHash, NOW + 5), access);
    });

    test('G3 rotating a rotated token → already_rotated with its record and retry pair; nothing new is stored', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const old = aRefreshToken(grant);
      await store.saveRefreshToken(old);
      const first = aRefreshToken(grant);
      await store.rotateRefreshToken(old.tokenHash, first, anAccessToken(grant), 'sealed-pair-1', NOW);
      const [second, secondAccess] = [aRefreshToken(grant), anAccessToken(grant)];
      const outcome = await store.rotateRefreshToken(old.tokenHash, second, secondAccess, 'sealed-pair-2', NOW + 10);
      const expected = { ...old, rotatedAt: NOW, successorHash: first.tokenHash, retrySealed: 'sealed-pair-1' };
      assert.deepEqual(outcome, { kind: 'already_rotated', token: expected });
      assert.deepEqual(await store.findRefreshToken(old.tokenHash), expected);
      assert.equal(await store.findRefreshToken(second.tokenHash), undefined);
      assert.equal(await store.findAccessToken(secondAccess.tokenHash, NOW + 10), undefined);
    });

    test('G4 of 20 concurrent rotations of one token exactly one rotates; one successor family survives', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const old = aRefreshToken(grant);
      await store.saveRefreshToken(old);
      const attempts = Array.from({ length: 20 }, () => ({ successor: aRefreshToken(grant), access: anAccessToken(grant) }));
      const outcomes = await Promise.all(
        attempts.map(({ successor, access }) => store.rotateRefreshToken(old.tokenHash, successor, access, `pair-${successor.tokenHash}`, NOW)),
      );
      const kinds = outcomes.map((outcome) => outcome.kind);
      assert.equal(count(kinds, 'rotated'), 1);
      assert.equal(count(kinds, 'already_rotated'), 19);
      const winner = attempts[kinds.indexOf('rotated')];
      assert.ok(winner);
      assert.equal((await store.findRefreshToken(old.tokenHash))?.successorHash, winner.successor.tokenHash);
      for (const { successor, access } of attempts) {
        const won: boolean = successor === winner.successor;
        assert.equal((await store.findRefreshToken(successor.tokenHash)) !== undefined, won);
        assert.equal((await store.findAccessToken(access.tokenHash, NOW)) !== undefined, won);
      }
    });

    test('G6 an unknown token, an idle-expired one, or one of a revoked or ended grant does not rotate → unknown', async (t) => {
      const store = await open(t, make);
      const live = await seedGrant(store);
      const revoked = await seedGrant(store);
      const ended = await seedGrant(store, { expiresAt: NOW + 100 });
      const idle = aRefreshToken(live, { expiresAt: NOW + 50 });
      const [ofRevoked, ofEnded] = [aRefreshToken(revoked), aRefreshToken(ended)];
      for (const token of [idle, ofRevoked, ofEnded]) await store.saveRefreshToken(token);
      await store.revokeGrant(revoked.grantId, NOW);
      const attempt = (hash: string, now: number) => store.rotateRefreshToken(hash, aRefreshToken(live), anAccessToken(live), 'pair', now);

      assert.deepEqual(await attempt('no-such-token', NOW), { kind: 'unknown' });
      assert.deepEqual(await attempt(idle.tokenHash, NOW + 50), { kind: 'unknown' });
      assert.deepEqual(await attempt(ofRevoked.tokenHash, NOW + 1), { kind: 'unknown' });
      assert.deepEqual(await attempt(ofEnded.tokenHash, NOW + 100), { kind: 'unknown' });
      assert.deepEqual(await store.findRefreshToken(idle.tokenHash), idle);
      assert.deepEqual(await attempt(idle.tokenHash, NOW + 49), { kind: 'rotated' });
    });

    test('G8 revocation after a rotation kills what the rotation minted; a rotation after revocation mints nothing', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const old = aRefreshToken(grant);
      await store.saveRefreshToken(old);
      const [successor, access] = [aRefreshToken(grant), anAccessToken(grant)];
      await store.rotateRefreshToken(old.tokenHash, successor, access, 'pair', NOW);
      await store.revokeGrant(grant.grantId, NOW + 1);
      assert.equal(await store.findRefreshToken(successor.tokenHash), undefined);
      assert.equal(await store.findAccessToken(access.tokenHash, NOW + 1), undefined);
      const [late, lateAccess] = [aRefreshToken(grant), anAccessToken(grant)];
      assert.deepEqual(await store.rotateRefreshToken(successor.tokenHash, late, lateAccess, 'pair', NOW + 2), { kind: 'unknown' });
      assert.equal(await store.findRefreshToken(late.tokenHash), undefined);
      assert.equal(await store.findAccessToken(lateAccess.tokenHash, NOW + 2), undefined);
    });

    test('M3 forgetRetryPairsBefore erases the retry pair of tokens rotated before the cutoff, keeping the rotation', async (t) => {
      const store = await open(t, make);
      const grant = await seedGrant(store);
      const rotatedAt = [NOW - 61, NOW - 60, NOW];
      const olds = rotatedAt.map(() => aRefreshToken(grant));
      for (const [index, old] of olds.entries()) {
        await store.saveRefreshToken(old);
        await store.rotateRefreshToken(old.tokenHash, aRefreshToken(grant), anAccessToken(grant), `pair-${index}`, rotatedAt[index] ?? NOW);
      }
      await store.saveRefreshToken(aRefreshToken(grant));

      assert.equal(await store.forgetRetryPairsBefore(NOW - 60), 1);
      assert.equal(await store.forgetRetryPairsBefore(NOW - 60), 0);
      const [forgotten, boundary, recent] = await Promise.all(olds.map((old) => store.findRefreshToken(old.tokenHash)));
      assert.equal(forgotten?.retrySealed, undefined);
      assert.equal(forgotten?.rotatedAt, NOW - 61);
      assert.ok(forgotten?.successorHash);
      assert.equal(boundary?.retrySealed, 'pair-1');
      assert.equal(recent?.retrySealed, 'pair-2');
      assert.equal((await store.rotateRefreshToken(olds[0]?.tokenHash ?? '', aRefreshToken(grant), anAccessToken(grant), 'x', NOW)).kind, 'already_rotated');
    });
  });
}
