import { describe } from 'node:test';
import { openSqliteStores } from '../../../src/adapters/storage/sqlite/sqlite-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import { clientStoreContract } from '../../contracts/client-store.js';
import { consentStoreContract } from '../../contracts/consent-store.js';
import { flowStoreContract } from '../../contracts/flow-store.js';
import { grantStoreContract } from '../../contracts/grant-store.js';
import { storesContract } from '../../contracts/stores.js';
import { tempFolder } from './sqlite-harness.js';

/** A fresh database file per test; `pick` selects the port under test. */
const fresh =
  <S>(pick: (stores: Stores) => S) =>
  async () => {
    const folder = await tempFolder();
    const stores = openSqliteStores(folder.dbPath);
    return {
      store: pick(stores),
      close: async () => {
        await stores.close();
        await folder.remove();
      },
    };
  };

describe('SQLite stores', () => {
  clientStoreContract(fresh((stores) => stores.clients));
  flowStoreContract(fresh((stores) => stores.flows));
  grantStoreContract(fresh((stores) => stores.grants));
  consentStoreContract(fresh((stores) => stores.consents));
  storesContract(fresh((stores) => stores));
});
