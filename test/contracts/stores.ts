import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Stores } from '../../src/adapters/storage/stores.js';
import { aClient, aConsent, anAccessToken, aRefreshToken, NOW, type MakeStore } from './fixtures.js';
import { open, seedGrant } from './harness.js';

/** What crosses ports: the four stores of one engine, used together. */
export function storesContract(make: MakeStore<Stores>): void {
  describe('Stores contract: across ports', () => {
    test('B9 L7 an expired dynamic registration takes its grants, tokens and consents with it', async (t) => {
      const { clients, grants, consents } = await open(t, make);
      const stale = aClient({ lastUsedAt: NOW - 100 });
      const kept = aClient({ kind: 'preregistered', lastUsedAt: NOW - 100 });
      const owned = await Promise.all([stale, kept].map(async (client) => {
        await clients.save(client);
        const grant = await seedGrant(grants, { clientId: client.clientId });
        const [access, refresh] = [anAccessToken(grant), aRefreshToken(grant)];
        await grants.saveAccessToken(access);
        await grants.saveRefreshToken(refresh);
        const consent = aConsent({ clientId: client.clientId });
        await consents.remember(consent);
        return { grant, access, refresh, consent };
      }));

      assert.equal(await clients.deleteUnusedBefore(NOW), 1);
      const [gone, alive] = owned;
      assert.ok(gone && alive);
      assert.equal(await grants.findGrant(gone.grant.grantId), undefined);
      assert.equal(await grants.findAccessToken(gone.access.tokenHash, NOW), undefined);
      assert.equal(await grants.findRefreshToken(gone.refresh.tokenHash), undefined);
      assert.equal(await consents.find(gone.consent.subject, stale.clientId, gone.consent.redirectUri, gone.consent.scopeKey), undefined);
      assert.deepEqual(await grants.findAccessToken(alive.access.tokenHash, NOW), alive.access);
      assert.deepEqual(await consents.find(alive.consent.subject, kept.clientId, alive.consent.redirectUri, alive.consent.scopeKey), alive.consent);
    });
  });
}
