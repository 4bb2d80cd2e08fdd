import { describe, expect, it } from 'vitest';
import { formatReport, runChaos } from '../../chaos/chaos.js';
import { PG_URL, postgresGate } from '../store/fixtures/postgres-db.js';

const postgres = await postgresGate();

/**
 * The short chaos run of CI: real processes (the server with its dispatcher, SDK workers over HTTP
 * and on the store), a few kill -9s and SIGSTOPs of workers and one kill -9 of the server; every
 * end check of the full run (npm run chaos) must pass.
 */
for (const store of ['sqlite', 'postgres'] as const) {
  describe.skipIf(store === 'postgres' && !postgres)(`chaos, short, on ${store}`, () => {
    it('2,000 tasks: each completed exactly once, no overlap, truthful outcomes, nothing left, the log replays', { timeout: 300_000 }, async () => {
      const report = await runChaos({
        store,
        tasks: 2000,
        maxSeconds: 240,
        httpWorkers: 2,
        storeWorkers: 1,
        childShare: 0.02,
        // Often enough that a fast machine, which drains 2,000 tasks in under ten seconds, still sees kills and stops.
        actionEveryMs: 500,
        serverRestarts: 1,
        maxKills: 3,
        maxStops: 2,
        drainSeconds: 120,
        ttlSeconds: 3,
        postgresUrl: PG_URL,
        log: () => undefined,
      });
      console.log(formatReport(report));
      expect(report.problems).toEqual([]);
      expect({ duplicates: report.duplicates, lost: report.lost, left: report.leftBehind }).toEqual({ duplicates: 0, lost: 0, left: [] });
      expect(report.restarts).toBe(1);
      expect(report.kills + report.stops).toBeGreaterThan(0);
    });
  });
}
