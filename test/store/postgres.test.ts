import { describe } from 'vitest';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import { FakeClock } from '../../src/ports/clock.js';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from './fixtures/postgres-db.js';
import { storeContract } from './store-contract.js';

const available = await postgresGate();

describe.runIf(available)('PostgreSQL store', () => {
  storeContract('postgres', async () => {
    const schema = freshSchemaName();
    const clock = new FakeClock();
    const store = await openPostgresStore({ connectionString: PG_URL, schema, clock, poolSize: 4 });
    return {
      store,
      clock,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
});
