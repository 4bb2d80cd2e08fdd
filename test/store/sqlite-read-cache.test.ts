import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { ACTIVE_RUNS_SQL } from '../../src/adapters/store/sqlite/active-runs.js';
import type { Store } from '../../src/ports/store.js';
import { FakeClock } from '../../src/ports/clock.js';

/** The active listing keeps its rows between calls; every change, from this connection or another, must show. */
describe('SQLite active-run listing and its read cache', () => {
  let dir: string;
  let path: string;
  let clock: FakeClock;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulseboard-read-cache-'));
    path = join(dir, 'cache.db');
    clock = new FakeClock();
    store = await openSqliteStore({ path, clock });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function claimOne(title: string): Promise<{ runId: number; token: string }> {
    await store.createTask({ title });
    const claimed = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30 });
    if (!claimed) throw new Error('nothing to claim');
    return { runId: claimed.run.id, token: claimed.run.claim_token };
  }

  it('reads the listing through the live-runs index, never by walking every run ever made', async () => {
    await claimOne('a');
    const db = new Database(path, { readonly: true });
    try {
      for (const [sql, params] of [[ACTIVE_RUNS_SQL.allBoards, []], [ACTIVE_RUNS_SQL.oneBoard, ['default']]] as const) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
        const runsStep = plan.map((step) => step.detail).find((detail) => /^(SCAN|SEARCH) r\b/.test(detail));
        expect(runsStep).toMatch(/USING INDEX runs_active\b/);
      }
    } finally {
      db.close();
    }
  });

  it("shows this connection's heartbeat and completion at once", async () => {
    const { runId, token } = await claimOne('a');
    const before = await store.listActiveRuns();
    expect(before.map((r) => r.run_id)).toEqual([runId]);
    clock.advance(5);
    const beat = await store.heartbeat(runId, token);
    const after = await store.listActiveRuns();
    expect(after[0]?.claim_expires).toBe(beat.claim_expires);
    expect(after[0]?.last_heartbeat_at).toBeGreaterThan(before[0]?.last_heartbeat_at ?? Infinity);
    await store.complete(runId, token, { outcome: 'completed' });
    expect(await store.listActiveRuns()).toEqual([]);
  });

  it('shows a change another process committed to the same file', async () => {
    const { runId } = await claimOne('b');
    expect(await store.listActiveRuns()).toHaveLength(1);
    const other = new Database(path);
    try {
      other.pragma('busy_timeout = 5000');
      other.prepare("UPDATE tasks SET title = 'renamed elsewhere'").run();
      expect((await store.listActiveRuns())[0]?.task_title).toBe('renamed elsewhere');
      other.prepare('UPDATE runs SET ended_at = 1, outcome = ? WHERE id = ?').run('failed', runId);
      expect(await store.listActiveRuns()).toEqual([]);
    } finally {
      other.close();
    }
  });

  it("the listing's stamp moves with this connection's writes, another process's commits and the clock, and only then", async () => {
    const { runId, token } = await claimOne('s');
    const first = await store.activeRunsStamp();
    expect(first).not.toBeNull();
    clock.advance(1);
    expect(await store.activeRunsStamp()).toBe(first);
    await store.heartbeat(runId, token);
    const beaten = await store.activeRunsStamp();
    expect(beaten).not.toBe(first);
    const other = new Database(path);
    try {
      other.pragma('busy_timeout = 5000');
      other.prepare("UPDATE tasks SET title = 'renamed elsewhere'").run();
      const renamed = await store.activeRunsStamp();
      expect(renamed).not.toBe(beaten);
      // The lease of 30 s was renewed at +1: healthy up to 7.5 s before it ends, lease_expiring after.
      clock.advance(22.49);
      expect(await store.activeRunsStamp()).toBe(renamed);
      expect((await store.listActiveRuns())[0]?.state).toBe('healthy');
      clock.advance(0.02);
      expect(await store.activeRunsStamp()).not.toBe(renamed);
      expect((await store.listActiveRuns())[0]?.state).toBe('lease_expiring');
    } finally {
      other.close();
    }
  });

  it('judges the state against the clock on every call, even when no row changed', async () => {
    await claimOne('c');
    expect((await store.listActiveRuns())[0]?.state).toBe('healthy');
    clock.advance(25);
    expect((await store.listActiveRuns())[0]?.state).toBe('lease_expiring');
  });

  it('answers fresh objects from cached rows: a renewal shows in the renewed run, the others stay as they were', async () => {
    const a = await claimOne('a');
    await claimOne('b');
    const before = await store.listActiveRuns();
    expect(await store.listActiveRuns()).not.toBe(before);
    expect(await store.listActiveRuns()).toEqual(before);
    clock.advance(2);
    await store.heartbeat(a.runId, a.token);
    const after = await store.listActiveRuns();
    const find = (list: typeof before, runId: number) => list.find((r) => r.run_id === runId);
    const other = before.find((r) => r.run_id !== a.runId)!;
    expect(find(after, other.run_id)).toEqual(other);
    expect(find(after, a.runId)).toEqual({ ...find(before, a.runId), claim_expires: clock.now() + 30, last_heartbeat_at: clock.now() });
    // A board's listing is kept apart from the all-boards one and answers its own rows.
    expect((await store.listActiveRuns({ board: 'default' })).map((r) => r.run_id).sort()).toEqual(after.map((r) => r.run_id).sort());
  });

  it('a listing kept across lease renewals always equals what a fresh connection reads', async () => {
    const fresh = await openSqliteStore({ path, clock });
    const other = new Database(path);
    try {
      other.pragma('busy_timeout = 5000');
      const held: { runId: number; token: string }[] = [];
      for (let i = 0; i < 4; i++) held.push(await claimOne(`r${i}`));
      await store.createTask({ title: 'spare', board: 'elsewhere' });
      const spare = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, board: 'elsewhere' });
      // A fixed mix of renewals (plain and with progress), a completion, a claim, and another connection's write.
      const steps: (() => Promise<unknown>)[] = [
        () => store.heartbeat(held[0]!.runId, held[0]!.token),
        () => store.heartbeat(held[1]!.runId, held[1]!.token, { progress: 0.5 }),
        () => store.heartbeat(spare!.run.id, spare!.run.claim_token, { note: 'halfway' }),
        async () => other.prepare("UPDATE tasks SET title = 'renamed' WHERE current_run_id = ?").run(held[2]!.runId),
        () => store.heartbeat(held[2]!.runId, held[2]!.token),
        () => store.complete(held[3]!.runId, held[3]!.token, { outcome: 'completed' }),
        () => store.heartbeat(held[0]!.runId, held[0]!.token, { note: 'still here' }),
        () => claimOne('late'),
        () => store.heartbeat(held[1]!.runId, held[1]!.token),
      ];
      for (const step of steps) {
        // Read first, so that every step starts from a cached listing.
        await store.listActiveRuns();
        await store.listActiveRuns({ board: 'elsewhere' });
        clock.advance(1);
        await step();
        expect(await store.listActiveRuns()).toEqual(await fresh.listActiveRuns());
        expect(await store.listActiveRuns({ board: 'elsewhere' })).toEqual(await fresh.listActiveRuns({ board: 'elsewhere' }));
      }
      const listed = await store.listActiveRuns();
      expect(listed.find((r) => r.run_id === held[2]!.runId)?.task_title).toBe('renamed');
      expect(listed.find((r) => r.run_id === held[0]!.runId)?.last_progress_at).not.toBeNull();
    } finally {
      other.close();
      await fresh.close();
    }
  });

  it('keeps boards apart and never lists a run of another board', async () => {
    await store.createTask({ title: 'x', board: 'alpha' });
    await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, board: 'alpha' });
    expect(await store.listActiveRuns({ board: 'beta' })).toEqual([]);
    expect((await store.listActiveRuns({ board: 'alpha' })).map((r) => r.board)).toEqual(['alpha']);
    await store.createTask({ title: 'y', board: 'beta' });
    await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, board: 'beta' });
    expect((await store.listActiveRuns({ board: 'beta' })).map((r) => r.task_title)).toEqual(['y']);
    expect(await store.listActiveRuns()).toHaveLength(2);
  });
});
