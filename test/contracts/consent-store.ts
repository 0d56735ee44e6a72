import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConsentStore } from '../../src/domain/ports/stores.js';
import { aConsent, NOW, type MakeStore } from './fixtures.js';
import { open } from './harness.js';

/** The ConsentStore contract: every adapter's test calls this with a factory of fresh, empty stores. */
export function consentStoreContract(make: MakeStore<ConsentStore>): void {
  describe('ConsentStore contract', () => {
    test('a remembered consent is found by exactly its user, client, redirect URI and scopes', async (t) => {
      const store = await open(t, make);
      const consent = aConsent();
      await store.remember(consent);
      assert.deepEqual(await store.find(consent.subject, consent.clientId, consent.redirectUri, consent.scopeKey), consent);
    });

    test('D2 another user, client, redirect URI or scope set finds nothing', async (t) => {
      const store = await open(t, make);
      const c = aConsent({ scopeKey: 'mcp' });
      await store.remember(c);
      assert.equal(await store.find('local:mallory', c.clientId, c.redirectUri, c.scopeKey), undefined);
      assert.equal(await store.find(c.subject, 'client-b', c.redirectUri, c.scopeKey), undefined);
      assert.equal(await store.find(c.subject, c.clientId, 'https://claude.com/api/mcp/auth_callback', c.scopeKey), undefined);
      assert.equal(await store.find(c.subject, c.clientId, c.redirectUri, 'mcp write'), undefined);
    });

    test('remembering the same consent again keeps one record with the newer time', async (t) => {
      const store = await open(t, make);
      const first = aConsent({ createdAt: NOW });
      await store.remember(first);
      await store.remember({ ...first, createdAt: NOW + 60 });
      assert.equal((await store.find(first.subject, first.clientId, first.redirectUri, first.scopeKey))?.createdAt, NOW + 60);
      await store.forgetClient(first.clientId);
      assert.equal(await store.find(first.subject, first.clientId, first.redirectUri, first.scopeKey), undefined);
    });

    test('forgetClient forgets every consent of that client and no other', async (t) => {
      const store = await open(t, make);
      const doomed = [aConsent(), aConsent({ subject: 'local:bob' }), aConsent({ scopeKey: 'mcp write' })];
      const kept = aConsent({ clientId: 'client-b' });
      for (const consent of [...doomed, kept]) await store.remember(consent);
      await store.forgetClient('client-a');
      for (const c of doomed) assert.equal(await store.find(c.subject, c.clientId, c.redirectUri, c.scopeKey), undefined);
      assert.deepEqual(await store.find(kept.subject, kept.clientId, kept.redirectUri, kept.scopeKey), kept);
    });
  });
}
