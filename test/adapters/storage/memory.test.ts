import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import { clientStoreContract } from '../../contracts/client-store.js';
import { consentStoreContract } from '../../contracts/consent-store.js';
import { flowStoreContract } from '../../contracts/flow-store.js';
import { aClient, aGrant } from '../../contracts/fixtures.js';
import { grantStoreContract } from '../../contracts/grant-store.js';
import { storesContract } from '../../contracts/stores.js';

/** A fresh engine per test; `pick` selects the port under test. */
const fresh =
  <S>(pick: (stores: Stores) => S) =>
  async () => {
    const stores = createMemoryStores();
    return { store: pick(stores), close: () => stores.close() };
  };

describe('memory stores', () => {
  clientStoreContract(fresh((stores) => stores.clients));
  flowStoreContract(fresh((stores) => stores.flows));
  grantStoreContract(fresh((stores) => stores.grants));
  consentStoreContract(fresh((stores) => stores.consents));
  storesContract(fresh((stores) => stores));

  test('records handed out are frozen snapshots, arrays included', async () => {
    const { clients, grants } = createMemoryStores();
    const client = aClient();
    const grant = aGrant();
    await clients.save(client);
    await grants.createGrant(grant);
    const [foundClient, foundGrant] = [await clients.find(client.clientId), await grants.findGrant(grant.grantId)];
    assert.ok(Object.isFrozen(foundClient) && Object.isFrozen(foundClient?.redirectUris));
    assert.ok(Object.isFrozen(foundGrant) && Object.isFrozen(foundGrant?.scopes));
    assert.notEqual(foundClient, client);
  });
});
