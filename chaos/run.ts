// npm run chaos [-- --store sqlite|postgres|both --tasks N --minutes M]: the full chaos run, loopback
// only, bounded (it stops by itself within --minutes per store, 15 by default in all), exit 1 on any problem.
import { formatReport, runChaos } from './chaos.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const stores = arg('store', 'both') === 'both' ? (['sqlite', 'postgres'] as const) : ([arg('store', 'sqlite')] as ('sqlite' | 'postgres')[]);
const minutes = Number(arg('minutes', String(15 / stores.length)));
let failed = false;
for (const store of stores) {
  const report = await runChaos({
    store,
    tasks: Number(arg('tasks', '20000')),
    maxSeconds: minutes * 60,
    httpWorkers: 3,
    storeWorkers: 2,
    childShare: 0.02,
    actionEveryMs: 1500,
    serverRestarts: Number(arg('restarts', '3')),
    maxKills: Infinity,
    maxStops: Infinity,
    drainSeconds: 60,
    ttlSeconds: 3,
    postgresUrl: process.env.PULSEBOARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  console.log(formatReport(report));
  if (report.problems.length > 0 || report.lost > 0 || report.duplicates > 0) failed = true;
}
process.exit(failed ? 1 : 0);
