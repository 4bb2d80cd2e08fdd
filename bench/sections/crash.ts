import type { SystemFactory } from '../systems/types.js';
import type { CrashResult } from '../results.js';
import { JsonLineChild, wallMs } from '../children/spawn.js';

const READY_TIMEOUT_MS = 60_000;
const SEQ = 1;

/**
 * Worker A (a child process) starts the task; worker B (another child) is started and idle; A gets
 * SIGKILL; the figure is the time until B's handler starts the same task, at the system's defaults.
 */
export async function measurePeerCrash(factory: SystemFactory, capSeconds: number): Promise<CrashResult> {
  const system = factory.create();
  await system.setup({ fresh: true });
  const children: JsonLineChild[] = [];
  try {
    const a = spawnWorker(factory.name, children);
    await expectLine(a, (e) => e.event === 'ready', 'worker A ready');
    await system.enqueueOne({ seq: SEQ });
    await expectLine(a, (e) => e.event === 'started' && e.seq === SEQ, 'worker A started the task');
    const b = spawnWorker(factory.name, children);
    await expectLine(b, (e) => e.event === 'ready', 'worker B ready');
    const killedAt = wallMs();
    a.kill('SIGKILL');
    const rerun = await b.waitFor((e) => e.event === 'started' && e.seq === SEQ, capSeconds * 1000);
    const seconds = rerun ? ((rerun.at ?? wallMs()) - killedAt) / 1000 : null;
    return { seconds, cap_seconds: capSeconds };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await system.clear().catch(() => {});
    await system.teardown();
  }
}

function spawnWorker(system: string, children: JsonLineChild[]): JsonLineChild {
  const child = new JsonLineChild('./worker-child.ts', [system]);
  children.push(child);
  return child;
}

async function expectLine(child: JsonLineChild, match: Parameters<JsonLineChild['waitFor']>[0], what: string): Promise<void> {
  if (!(await child.waitFor(match, READY_TIMEOUT_MS))) throw new Error(`timed out waiting for ${what}`);
}
