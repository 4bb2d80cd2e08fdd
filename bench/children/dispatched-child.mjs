// The command of the benchmark's dispatcher profile. Plain JavaScript so the re-run's start is not
// measured with a TypeScript loader's start-up. Appends one JSON line to BENCH_MARK_FILE when it starts,
// then keeps running until it is killed.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';

const at = performance.timeOrigin + performance.now();
appendFileSync(
  process.env.BENCH_MARK_FILE,
  `${JSON.stringify({ run_id: Number(process.env.PULSEBOARD_RUN_ID), task_id: process.env.PULSEBOARD_TASK_ID, pid: process.pid, at })}\n`,
);
setInterval(() => {}, 60_000);
