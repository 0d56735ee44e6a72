import { createMemoryJourneyStore } from '../../src/adapters/storage/memory/journey-store.js';
import { openSqliteJourneyStore } from '../../src/adapters/storage/sqlite/journey-store.js';
import { tempFolder } from '../adapters/storage/sqlite-harness.js';
import { journeyStoreContract } from '../contracts/journey-store.js';

journeyStoreContract('memory', async (retention) => {
  const store = createMemoryJourneyStore(retention);
  return { store, close: () => store.close() };
});

journeyStoreContract('sqlite', async (retention) => {
  const folder = await tempFolder();
  const store = openSqliteJourneyStore(folder.dbPath, { retention });
  return {
    store,
    close: async () => {
      await store.close();
      await folder.remove();
    },
  };
});
