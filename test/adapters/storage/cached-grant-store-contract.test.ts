import { describe } from 'node:test';
import { withTokenCache } from '../../../src/adapters/storage/cached-grant-store.js';
import { createMemoryStores } from '../../../src/adapters/storage/memory/memory-stores.js';
import { openSqliteStores } from '../../../src/adapters/storage/sqlite/sqlite-stores.js';
import type { Stores } from '../../../src/adapters/storage/stores.js';
import { grantStoreContract } from '../../contracts/grant-store.js';
import { storesContract } from '../../contracts/stores.js';
import { tempFolder } from './sqlite-harness.js';

/** The longest cache the setting allows, so every contract read after a write can be a hit. */
const OPTIONS = { ttlSeconds: 60, maxEntries: 100 };

const memory =
  <S>(pick: (stores: Stores) => S) =>
  async () => {
    const stores = withTokenCache(createMemoryStores(), OPTIONS);
    return { store: pick(stores), close: () => stores.close() };
  };

const sqlite =
  <S>(pick: (stores: Stores) => S) =>
  async () => {
    const folder = await tempFolder();
    const stores = withTokenCache(openSqliteStores(folder.dbPath), OPTIONS);
    return {
      store: pick(stores),
      close: async () => {
        await stores.close();
        await folder.remove();
      },
    };
  };

describe('cached grant store over memory', () => {
  grantStoreContract(memory((stores) => stores.grants));
  storesContract(memory((stores) => stores));
});

describe('cached grant store over SQLite', () => {
  grantStoreContract(sqlite((stores) => stores.grants));
  storesContract(sqlite((stores) => stores));
});
