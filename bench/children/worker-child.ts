/**
 * A peer system's worker in its own process, for the crash section. Prints one JSON line per event on
 * stdout: {"event":"ready"} once its worker runs, {"event":"started","seq":N,"pid":P} when a task starts.
 * Its handler never returns, so the task stays mid-run until the process is killed.
 */
import { findSystem } from '../systems/index.js';
import { wallMs } from './spawn.js';

const name = process.argv[2] ?? '';
const factory = findSystem(name);
if (!factory) {
  console.error(`unknown system ${name}`);
  process.exit(2);
}
const system = factory.create();
await system.setup({ fresh: false });
const say = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
await system.startWorkers(1, ({ seq }) => {
  say({ event: 'started', seq, pid: process.pid, at: wallMs() });
  return new Promise<void>(() => {});
});
say({ event: 'ready', pid: process.pid });
