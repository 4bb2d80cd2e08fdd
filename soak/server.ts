// The soak's server process: a normal Pulseboard that also measures its own event-loop delay with
// perf_hooks and prints one JSON line of it every SOAK_REPORT_SECONDS (the histogram starts over each time).
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { startPulseboard } from '../src/server.js';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
// Garbage-collection pauses, to tell a long delay of the collector from one of the server's own work.
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
}).observe({ entryTypes: ['gc'] });
await startPulseboard({ cwd: process.env.SOAK_CWD, handleSignals: true, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write('ready\n');
const every = Number(process.env.SOAK_REPORT_SECONDS ?? 10) * 1000;
setInterval(() => {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  process.stdout.write(`${JSON.stringify({ eld_max_ms: ms(delay.max), eld_p99_ms: ms(delay.percentile(99)), eld_mean_ms: ms(delay.mean), gc_max_ms: Math.round(gcMaxMs * 100) / 100 })}\n`);
  delay.reset();
  gcMaxMs = 0;
}, every).unref();
