import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, loopbackServerEnv } from '../../chaos/loopback-server.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { issueToken } from '../../src/services/tokens.js';

const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const SERVER = fileURLToPath(new URL('../../chaos/server.ts', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const KILLS = 4;

type Acked =
  | { kind: 'task'; id: string; title: string }
  | { kind: 'comment'; task: string; body: string }
  | { kind: 'completed'; task: string; run: number };

const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'pb-durable-'));
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', TSX, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}


function ackedLines(path: string): Acked[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  // The last line of a writer killed mid-append is no acknowledgement.
  return text.split('\n').flatMap((line) => {
    try {
      return line === '' ? [] : [JSON.parse(line) as Acked];
    } catch {
      return [];
    }
  });
}

describe('kill -9 of the server during writes (SQLite)', () => {
  it(`${KILLS} kills under two writing clients: the file passes integrity_check and every acknowledged write is there`, async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const dbPath = join(home, 'pulseboard.db');
    const setup = await openSqliteStore({ path: dbPath });
    const workerToken = (await issueToken(setup, { role: 'worker', name: 'durable-worker' })).token;
    await setup.close();
    const adminToken = randomBytes(24).toString('base64url');
    const port = await freePort();
    const env = loopbackServerEnv({ home, port, token: adminToken, extra: { CHAOS_CWD: dir } });

    const startServer = async () => {
      const server = start([SERVER], env);
      for (let waited = 0; !server.output().includes('ready\n'); waited += 50) {
        if (server.child.exitCode !== null || waited > 60_000) throw new Error(`server did not start: ${server.output().slice(-2000)}`);
        await sleep(50);
      }
      return server;
    };
    const tasksLog = join(dir, 'tasks.log');
    const workerLog = join(dir, 'worker.log');
    let server = await startServer();
    const writers = [
      start([WRITER, 'tasks', tasksLog], { ...env, WRITER: 'writer' }),
      start([WRITER, 'worker', workerLog], { ...env, PULSEBOARD_TOKEN: workerToken, WRITER: 'durable-worker' }),
    ];
    const count = () => ackedLines(tasksLog).length + ackedLines(workerLog).length;
    for (let kill = 1; kill <= KILLS; kill++) {
      // Each round writes a while before the kill lands, at a moment the writers do not choose.
      const before = count();
      for (let waited = 0; count() < before + 60 && waited < 60_000; waited += 20) await sleep(20);
      await sleep(Math.random() * 300);
      await killed(server.child);
      if (kill < KILLS) server = await startServer();
    }
    for (const writer of writers) await killed(writer.child);
    for (const writer of writers) expect(writer.output()).not.toMatch(/Error/);

    // SQLite's own check first, on the file exactly as the last kill left it (WAL replayed on open).
    const db = new Database(dbPath);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const tasks = ackedLines(tasksLog);
    const done = ackedLines(workerLog);
    expect(tasks.filter((a) => a.kind === 'task').length).toBeGreaterThan(KILLS * 20);
    expect(done.length).toBeGreaterThan(KILLS * 5);
    const store = await openSqliteStore({ path: dbPath });
    try {
      for (const a of tasks) {
        if (a.kind === 'task') {
          const task = await store.getTask(a.id);
          expect(task?.title, `acknowledged task ${a.id}`).toBe(a.title);
          const created = await store.listEvents({ task_id: a.id, limit: 1 });
          expect(created[0]?.kind, `task_created event of ${a.id}`).toBe('task_created');
        } else if (a.kind === 'comment') {
          expect((await store.listComments(a.task)).map((c) => c.body), `acknowledged comment on ${a.task}`).toContain(a.body);
        }
      }
      for (const a of done) {
        if (a.kind !== 'completed') continue;
        const task = await store.getTask(a.task);
        expect(task?.status, `acknowledged completion of ${a.task}`).toBe('done');
        const run = await store.getRun(a.run);
        expect(run?.outcome, `run ${a.run}`).toBe('completed');
      }
    } finally {
      await store.close();
    }
  }, 240_000);
});
