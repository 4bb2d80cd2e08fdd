import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { FakeClock } from '../../src/ports/clock.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pulseboard-sqlite-'));
  const clock = new FakeClock();
  const store = await openSqliteStore({ path: join(dir, 'test.db'), clock });
  return {
    store,
    clock,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
