import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from '../store/fixtures/postgres-db.js';
import { startTestServer } from '../sdk/helpers.js';
import type { TestServer } from '../sdk/helpers.js';

const NATS_URL = process.env['PULSEBOARD_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** Under CI a missing NATS fails the run; elsewhere the test is skipped with the reason printed. */
async function natsGate(): Promise<boolean> {
  const { hostname, port } = new URL(NATS_URL);
  const reason = await new Promise<string | null>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 4222) });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('connection timed out');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (err) => resolve(err.message));
  });
  if (reason && process.env['CI'] === 'true') throw new Error(`NATS is required under CI=true: ${NATS_URL}: ${reason}`);
  if (reason) console.warn(`skipping the PostgreSQL + NATS server test: NATS at ${NATS_URL}: ${reason}`);
  return reason === null;
}

const available = (await postgresGate()) && (await natsGate());
const schema = freshSchemaName();
let t: TestServer | undefined;

afterAll(async () => {
  await t?.close();
  if (available) await dropSchema(schema);
});

describe.skipIf(!available)('startPulseboard on PostgreSQL and NATS', () => {
  it('keeps tasks in PostgreSQL and runs its bus over NATS', async () => {
    // The server takes no schema setting, so the test confines it to a fresh schema through the connection options.
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);

    t = await startTestServer({ PULSEBOARD_DATABASE_URL: url.toString(), PULSEBOARD_NATS_URL: NATS_URL });
    expect(t.server.store.kind).toBe('postgres');
    expect(t.server.bus.kind).toBe('nats');
    const task = await t.client.createTask({ title: 'durable' });

    const check = new pg.Client({ connectionString: PG_URL });
    await check.connect();
    try {
      const rows = await check.query(`SELECT title FROM ${schema}.tasks WHERE id = $1`, [task.id]);
      expect(rows.rows).toEqual([{ title: 'durable' }]);
    } finally {
      await check.end();
    }
    const registry = await t.client.workers();
    expect(registry.bus_connected).toBe(true);
  });
});
