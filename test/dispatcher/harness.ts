import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { localHostName, ProcInspector } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import type { Run } from '../../src/core/types.js';
import type { Store } from '../../src/ports/store.js';
import { Dispatcher } from '../../src/services/dispatcher/dispatcher.js';
import { storeSignalAudit } from '../../src/services/signal-audit.js';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from '../store/fixtures/postgres-db.js';
import type { DispatcherEvent, DispatcherOptions, DispatchProfile } from '../../src/services/dispatcher/types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureCommand(name: string): string[] {
  return [process.execPath, join(FIXTURES, name)];
}

/** A real SQLite store in a temp folder plus dispatchers on it; cleanup kills every process group they started. */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'pb-dispatch-'));
  readonly logDir = join(this.dir, 'logs');
  readonly hostname = localHostName();
  readonly events: DispatcherEvent[] = [];
  /** Every signal the dispatcher or run control sends or refuses lands on its run, as in the server. */
  readonly audit = storeSignalAudit({ recordSignal: (record) => this.store.recordSignal(record) } as Store, () => undefined);
  readonly signaller = new ProcSignaller({ pollMs: 20, audit: this.audit });
  readonly inspector = new ProcInspector();
  private readonly dispatchers: Dispatcher[] = [];
  private readonly groups = new Set<number>();
  store!: Store;

  private dropStore: (() => Promise<void>) | undefined;

  async open(kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<this> {
    if (kind === 'sqlite') {
      this.store = await openSqliteStore({ path: join(this.dir, 'store.db') });
      return this;
    }
    const schema = freshSchemaName();
    this.store = await openPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 });
    this.dropStore = () => dropSchema(schema);
    return this;
  }

  dispatcher(profiles: Record<string, DispatchProfile>, extra: Partial<DispatcherOptions> = {}): Dispatcher {
    const dispatcher = new Dispatcher({
      store: this.store,
      signaller: this.signaller,
      audit: this.audit,
      inspector: this.inspector,
      hostname: this.hostname,
      profiles,
      maxConcurrentRuns: 16,
      apiUrl: 'http://127.0.0.1:9',
      logDir: this.logDir,
      terminateGraceSeconds: 2,
      ...extra,
      onEvent: (event) => {
        this.events.push(event);
        if (event.type === 'spawned') this.groups.add(event.pid);
        extra.onEvent?.(event);
      },
    });
    this.dispatchers.push(dispatcher);
    return dispatcher;
  }

  async cleanup(): Promise<void> {
    for (const dispatcher of this.dispatchers) await dispatcher.stop({ leaveChildren: true });
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.store?.close();
    await this.dropStore?.();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async runsOf(taskId: string): Promise<Run[]> {
    return this.store.listRuns(taskId);
  }

  async waitForRun(taskId: string, test: (run: Run) => boolean, what: string, timeoutMs = 10_000): Promise<Run> {
    let found: Run | undefined;
    await waitFor(async () => {
      found = (await this.runsOf(taskId)).find(test);
      return found !== undefined;
    }, what, timeoutMs);
    return found as Run;
  }

  logOf(runId: number): string {
    try {
      return readFileSync(join(this.logDir, `run-${runId}.log`), 'utf8');
    } catch {
      return '';
    }
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Read straight from /proc so the check does not trust the code under test; zombies count as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Live processes whose process group is pgid. */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') members.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return members;
}

/** The stores to run a suite on: SQLite always, PostgreSQL when it answers (required under CI). */
export async function storeKinds(): Promise<('sqlite' | 'postgres')[]> {
  return (await postgresGate()) ? ['sqlite', 'postgres'] : ['sqlite'];
}
