import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, LeaseLostError, NotFoundError } from '../../src/core/errors.js';
import type { FakeClock } from '../../src/ports/clock.js';
import type { Store } from '../../src/ports/store.js';
import type { EventRow } from '../../src/core/types.js';
import { batchAndFusedContract } from './batch-and-fused-contract.js';

export interface FreshStore {
  store: Store;
  clock: FakeClock;
  cleanup: () => Promise<void>;
}

export type ErrorClass = abstract new (...args: never[]) => Error;

export async function expectError(promise: Promise<unknown>, type: ErrorClass, message?: RegExp): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected the call to throw').toBeInstanceOf(type);
  if (message) expect((caught as Error).message).toMatch(message);
  return caught as Error;
}

/** Everything a failed call could have touched, to prove that it touched nothing. */
export async function snapshot(store: Store): Promise<unknown> {
  const tasks = await store.listTasks();
  const runs = await Promise.all(tasks.map((t) => store.listRuns(t.id)));
  const comments = await Promise.all(tasks.map((t) => store.listComments(t.id)));
  return {
    tasks,
    runs,
    comments,
    events: await store.listEvents({ limit: 10_000 }),
    lastEventId: await store.lastEventId(),
    boards: await store.listBoards(),
    tokens: await store.listTokens(),
  };
}

const TTL = 30;

/** The behaviour every Store adapter must show; adapter-neutral, so PostgreSQL runs the same suite. */
export function storeContract(name: string, openFresh: () => Promise<FreshStore>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let clock: FakeClock;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, clock, cleanup } = await openFresh());
    });
    afterEach(async () => {
      await cleanup();
    });

    const claimOne = (extra: Partial<Parameters<Store['claim']>[0]> = {}) =>
      store.claim({ worker: 'w1', host: 'h1', pid: 4242, ttl_seconds: TTL, ...extra });

    describe('tasks', () => {
      it('creates a task with defaults and reads it back', async () => {
        const task = await store.createTask({ title: 'write docs' });
        expect(task.id).toMatch(/^t_[0-9a-f]{8}$/);
        expect(task).toMatchObject({
          board: 'default',
          title: 'write docs',
          body: '',
          assignee: null,
          priority: 0,
          status: 'ready',
          parents: [],
          max_runtime_seconds: null,
          max_attempts: 3,
          attempts: 0,
          created_at: clock.now(),
          updated_at: clock.now(),
          current_run_id: null,
          result: null,
        });
        expect(await store.getTask(task.id)).toEqual(task);
        expect(await store.getTask('t_00000000')).toBeNull();
        expect(await store.getTask('not-an-id')).toBeNull();
        expect(await store.listBoards()).toEqual(['default']);
      });

      it('starts in triage when asked', async () => {
        const task = await store.createTask({ title: 'look at me', triage: true });
        expect(task.status).toBe('triage');
      });

      it('lists with board, status and assignee filters', async () => {
        const a = await store.createTask({ title: 'a', board: 'ops', assignee: 'echo' });
        const b = await store.createTask({ title: 'b', board: 'ops' });
        const c = await store.createTask({ title: 'c', triage: true });
        expect((await store.listTasks()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
        expect((await store.listTasks({ board: 'ops' })).map((t) => t.id)).toEqual([a.id, b.id]);
        expect((await store.listTasks({ status: 'triage' })).map((t) => t.id)).toEqual([c.id]);
        expect((await store.listTasks({ assignee: 'echo' })).map((t) => t.id)).toEqual([a.id]);
        expect((await store.listTasks({ limit: 1 })).map((t) => t.id)).toEqual([a.id]);
        expect(await store.listBoards()).toEqual(['default', 'ops']);
        expect(await store.countTasksByStatus('ops')).toEqual({
          triage: 0,
          todo: 0,
          ready: 2,
          running: 0,
          blocked: 0,
          done: 0,
          archived: 0,
        });
      });

      it('updates fields and writes one event per change', async () => {
        const task = await store.createTask({ title: 'old' });
        clock.advance(5);
        const before = await store.lastEventId();
        const updated = await store.updateTask(task.id, { title: 'new', priority: 7, body: 'text', result: { a: [1] } }, 'alice');
        expect(updated).toMatchObject({ title: 'new', priority: 7, body: 'text', result: { a: [1] }, updated_at: clock.now() });
        const events = await store.listEvents({ after_id: before });
        expect(events.map((e) => e.kind)).toEqual(['task_updated']);
        expect(events[0]?.payload).toMatchObject({ actor: 'alice' });
      });

      it('treats a PATCH that changes nothing as a no-op without an event', async () => {
        const task = await store.createTask({ title: 'same' });
        const before = await store.lastEventId();
        clock.advance(5);
        const again = await store.updateTask(task.id, { status: 'ready', title: 'same' });
        expect(again).toEqual(task);
        expect(await store.lastEventId()).toBe(before);
      });

      it('adds and lists comments', async () => {
        const task = await store.createTask({ title: 'c' });
        const comment = await store.addComment(task.id, 'bob', 'looks good');
        expect(comment).toMatchObject({ task_id: task.id, author: 'bob', body: 'looks good', created_at: clock.now() });
        expect(await store.listComments(task.id)).toEqual([comment]);
        const events = await store.listEvents({ task_id: task.id });
        expect(events.at(-1)?.kind).toBe('comment_added');
        await expectError(store.addComment('t_00000000', 'bob', 'x'), NotFoundError);
      });
    });

    describe('parents and readiness', () => {
      it('waits in todo until every parent is done, then becomes ready', async () => {
        const p1 = await store.createTask({ title: 'p1', priority: 10 });
        const p2 = await store.createTask({ title: 'p2', priority: 5 });
        const child = await store.createTask({ title: 'child', parents: [p1.id, p2.id] });
        expect(child.status).toBe('todo');
        expect(child.parents).toEqual([p1.id, p2.id]);

        const c1 = await claimOne();
        expect(c1?.task.id).toBe(p1.id);
        await store.complete(c1!.run.id, c1!.run.claim_token, { outcome: 'completed' });
        expect((await store.getTask(child.id))?.status).toBe('todo');

        const c2 = await claimOne();
        expect(c2?.task.id).toBe(p2.id);
        await store.complete(c2!.run.id, c2!.run.claim_token, { outcome: 'completed' });
        expect((await store.getTask(child.id))?.status).toBe('ready');
      });

      it('refuses ready while a parent is not done, naming the parent', async () => {
        const parent = await store.createTask({ title: 'p' });
        const child = await store.createTask({ title: 'c', parents: [parent.id], triage: true });
        await expectError(store.updateTask(child.id, { status: 'ready' }), ConflictError, new RegExp(`parents not done: ${parent.id}`));
        expect((await store.updateTask(child.id, { status: 'todo' })).status).toBe('todo');
      });

      it('lands a todo request on ready when no parent is pending', async () => {
        const task = await store.createTask({ title: 't', triage: true });
        expect((await store.updateTask(task.id, { status: 'todo' })).status).toBe('ready');
      });

      it('sends ready children back to todo when a parent is reopened', async () => {
        const parent = await store.createTask({ title: 'p' });
        const child = await store.createTask({ title: 'c', parents: [parent.id] });
        await store.updateTask(parent.id, { status: 'done' });
        expect((await store.getTask(child.id))?.status).toBe('ready');
        await store.updateTask(parent.id, { status: 'ready' });
        expect((await store.getTask(child.id))?.status).toBe('todo');
      });

      it('moves a task between todo and ready when its parents change', async () => {
        const parent = await store.createTask({ title: 'p' });
        const task = await store.createTask({ title: 't' });
        expect((await store.updateTask(task.id, { parents: [parent.id] })).status).toBe('todo');
        expect((await store.updateTask(task.id, { parents: [] })).status).toBe('ready');
      });

      it('rejects cycles, self-parents and unknown parents', async () => {
        const a = await store.createTask({ title: 'a' });
        const b = await store.createTask({ title: 'b', parents: [a.id] });
        const c = await store.createTask({ title: 'c', parents: [b.id] });
        await expectError(
          store.updateTask(a.id, { parents: [c.id] }),
          InvalidInputError,
          new RegExp(`parents would form a cycle: ${a.id} -> ${c.id} -> ${b.id} -> ${a.id}`),
        );
        await expectError(store.updateTask(a.id, { parents: [a.id] }), InvalidInputError, /own parent/);
        await expectError(store.updateTask(a.id, { parents: ['t_00000000'] }), NotFoundError, /t_00000000/);
        await expectError(store.createTask({ title: 'x', parents: ['t_00000000'] }), NotFoundError);
        await expectError(store.createTask({ title: 'x', parents: ['nope'] }), InvalidInputError);
      });
    });

    describe('status transitions', () => {
      it('never sets running by PATCH and never moves a running task by PATCH', async () => {
        const task = await store.createTask({ title: 't', assignee: 'echo' });
        await expectError(store.updateTask(task.id, { status: 'running' as never }), InvalidInputError, /running/);
        await claimOne({ profile: 'echo' });
        await expectError(store.updateTask(task.id, { status: 'done' }), ConflictError, /running/);
        await expectError(store.updateTask(task.id, { assignee: 'other' }), ConflictError, /running/);
        expect((await store.updateTask(task.id, { title: 'renamed' })).status).toBe('running');
      });

      it('a person requeueing a blocked task gives it fresh attempts', async () => {
        const task = await store.createTask({ title: 't', max_attempts: 1 });
        const c = await claimOne();
        const ended = await store.complete(c!.run.id, c!.run.claim_token, { outcome: 'failed', error: 'boom' });
        expect(ended.task).toMatchObject({ status: 'blocked', attempts: 1 });
        const requeued = await store.updateTask(task.id, { status: 'ready' });
        expect(requeued).toMatchObject({ status: 'ready', attempts: 0 });
        const archived = await store.updateTask(task.id, { status: 'archived' });
        expect(archived.status).toBe('archived');
      });

      it('unknown and malformed ids are typed errors', async () => {
        await expectError(store.updateTask('t_00000000', { title: 'x' }), NotFoundError, /t_00000000/);
        await expectError(store.updateTask('bad', { title: 'x' }), InvalidInputError);
      });
    });

    describe('claim', () => {
      it('takes the highest priority first, then the oldest', async () => {
        const low = await store.createTask({ title: 'low', priority: 1 });
        const first = await store.createTask({ title: 'first', priority: 5 });
        const second = await store.createTask({ title: 'second', priority: 5 });
        const mid = await store.createTask({ title: 'mid', priority: 3 });
        const order: string[] = [];
        for (let i = 0; i < 4; i++) order.push((await claimOne())!.task.id);
        expect(order).toEqual([first.id, second.id, mid.id, low.id]);
        expect(await claimOne()).toBeNull();
      });

      it('makes the task running under a fresh run', async () => {
        const task = await store.createTask({ title: 't', max_runtime_seconds: 60 });
        const claimed = await claimOne();
        expect(claimed?.task).toMatchObject({ id: task.id, status: 'running', attempts: 1, current_run_id: claimed?.run.id });
        expect(claimed?.run).toMatchObject({
          task_id: task.id,
          board: 'default',
          worker: 'w1',
          host: 'h1',
          worker_pid: 4242,
          // The claimant's word only: never a process the server may signal.
          worker_origin: 'declared',
          claim_lock: 'h1:4242',
          claim_expires: clock.now() + TTL,
          lease_ttl_seconds: TTL,
          last_heartbeat_at: clock.now(),
          started_at: clock.now(),
          max_runtime_seconds: 60,
          ended_at: null,
          outcome: null,
          stop_requested_at: null,
        });
        expect(claimed?.run.claim_token.length).toBeGreaterThanOrEqual(32);
        const events = await store.listEvents({ run_id: claimed!.run.id });
        expect(events.map((e) => e.kind)).toEqual(['claimed']);
        expect(JSON.stringify(events)).not.toContain(claimed!.run.claim_token);
      });

      it('matches profile, board and task_id; unassigned tasks only without a profile', async () => {
        const echo = await store.createTask({ title: 'echo', assignee: 'echo', priority: 9 });
        const ops = await store.createTask({ title: 'ops', board: 'ops' });
        const plain = await store.createTask({ title: 'plain' });
        const target = await store.createTask({ title: 'target', priority: -5 });

        expect((await claimOne({ task_id: target.id }))?.task.id).toBe(target.id);
        expect(await claimOne({ task_id: target.id })).toBeNull();
        expect(await claimOne({ profile: 'nobody' })).toBeNull();
        expect((await claimOne({ profile: 'echo' }))?.task.id).toBe(echo.id);
        expect((await claimOne({ board: 'ops' }))?.task.id).toBe(ops.id);
        expect(await claimOne({ board: 'ops' })).toBeNull();
        expect((await claimOne())?.task.id).toBe(plain.id);
        expect(await claimOne()).toBeNull();
      });

      it('sets last_heartbeat_at from the claim, never from an earlier run of the task', async () => {
        const task = await store.createTask({ title: 't' });
        const first = await claimOne();
        clock.advance(10);
        await store.heartbeat(first!.run.id, first!.run.claim_token);
        clock.advance(TTL + 1);
        const reaped = await store.reap();
        expect(reaped.reclaimed.map((r) => r.run.id)).toEqual([first!.run.id]);
        clock.advance(100);
        const second = await claimOne();
        expect(second?.task.id).toBe(task.id);
        expect(second?.run.id).not.toBe(first?.run.id);
        expect(second?.run.last_heartbeat_at).toBe(clock.now());
        expect(second?.run.started_at).toBe(clock.now());
        expect(second?.run.last_progress_at).toBeNull();
        expect(second?.task.attempts).toBe(2);
      });

      it('rejects bad claim input', async () => {
        await store.createTask({ title: 't' });
        await expectError(claimOne({ ttl_seconds: -1 }), InvalidInputError, /ttl_seconds must be/);
        await expectError(claimOne({ ttl_seconds: 0 }), InvalidInputError, /ttl_seconds/);
        await expectError(claimOne({ ttl_seconds: 86_401 }), InvalidInputError, /ttl_seconds/);
        await expectError(claimOne({ worker: 'bad.name' }), InvalidInputError, /worker/);
        await expectError(claimOne({ board: 'Bad Board' }), InvalidInputError, /board/);
      });
    });

    describe('heartbeat and fencing', () => {
      it('extends the lease of that run only, without an event unless progress is reported', async () => {
        await store.createTask({ title: 'a' });
        await store.createTask({ title: 'b' });
        const a = await claimOne();
        const b = await claimOne();
        clock.advance(20);
        const before = await store.lastEventId();
        expect(await store.heartbeat(a!.run.id, a!.run.claim_token)).toEqual({ claim_expires: clock.now() + TTL });
        expect(await store.lastEventId()).toBe(before);
        const runA = await store.getRun(a!.run.id);
        expect(runA).toMatchObject({ last_heartbeat_at: clock.now(), claim_expires: clock.now() + TTL, last_progress_at: null });
        expect((await store.getRun(b!.run.id))?.claim_expires).toBe(b!.run.claim_expires);

        clock.advance(1);
        await store.heartbeat(a!.run.id, a!.run.claim_token, { progress: { step: 3 }, note: 'halfway' });
        const progressed = await store.getRun(a!.run.id);
        expect(progressed?.last_progress_at).toBe(clock.now());
        expect(progressed?.metadata.progress).toEqual({ step: 3 });
        const events = await store.listEvents({ after_id: before });
        expect(events.map((e) => e.kind)).toEqual(['progress']);
        expect(events[0]?.payload).toMatchObject({ progress: { step: 3 }, note: 'halfway' });
      });

      it('fences a reclaimed run off and leaves the newer run untouched', async () => {
        const task = await store.createTask({ title: 't' });
        const old = await claimOne({ worker: 'old' });
        clock.advance(TTL + 1);
        await store.reap();
        const fresh = await claimOne({ worker: 'new' });
        expect(fresh?.task.id).toBe(task.id);
        const freshBefore = await store.getRun(fresh!.run.id);

        const lost = await expectError(store.heartbeat(old!.run.id, old!.run.claim_token), LeaseLostError, /run ended as reclaimed/);
        expect((lost as LeaseLostError).runId).toBe(old!.run.id);
        await expectError(
          store.complete(old!.run.id, old!.run.claim_token, { outcome: 'completed' }),
          LeaseLostError,
          /run ended as reclaimed/,
        );
        // The old token cannot speak for the new run either.
        await expectError(store.heartbeat(fresh!.run.id, old!.run.claim_token), LeaseLostError, /wrong claim token/);
        await expectError(
          store.complete(fresh!.run.id, old!.run.claim_token, { outcome: 'completed' }),
          LeaseLostError,
          /wrong claim token/,
        );
        expect(await store.getRun(fresh!.run.id)).toEqual(freshBefore);
        expect((await store.getTask(task.id))?.status).toBe('running');
        const done = await store.complete(fresh!.run.id, fresh!.run.claim_token, { outcome: 'completed' });
        expect(done.task.status).toBe('done');
      });

      it('refuses a heartbeat once the lease has lapsed, even before the reaper ran', async () => {
        await store.createTask({ title: 't' });
        const c = await claimOne();
        clock.advance(TTL + 1);
        await expectError(store.heartbeat(c!.run.id, c!.run.claim_token), LeaseLostError, /lease expired/);
      });

      it('heartbeat on an unknown run is NotFound', async () => {
        await expectError(store.heartbeat(999_999, 'x'), NotFoundError, /run 999999 not found/);
      });
    });

    describe('run end', () => {
      it('completed → done with result and summary; children follow', async () => {
        const task = await store.createTask({ title: 't' });
        const child = await store.createTask({ title: 'c', parents: [task.id] });
        const c = await claimOne();
        clock.advance(3);
        const ended = await store.complete(c!.run.id, c!.run.claim_token, {
          outcome: 'completed',
          summary: 'all good',
          result: { files: 2 },
        });
        expect(ended.run).toMatchObject({ outcome: 'completed', ended_at: clock.now(), summary: 'all good' });
        expect(ended.task).toMatchObject({ status: 'done', result: { files: 2 }, current_run_id: null });
        expect((await store.getTask(child.id))?.status).toBe('ready');
        const kinds = (await store.listEvents({ after_id: 0 })).map((e) => e.kind);
        expect(kinds.slice(-2)).toEqual(['completed', 'task_status']);
      });

      it('blocked → blocked; failed → ready while attempts remain', async () => {
        await store.createTask({ title: 'blocked one', priority: 2 });
        await store.createTask({ title: 'failing one', priority: 1 });
        const b = await claimOne();
        expect((await store.complete(b!.run.id, b!.run.claim_token, { outcome: 'blocked', summary: 'need key' })).task.status).toBe(
          'blocked',
        );
        const f = await claimOne();
        const failed = await store.complete(f!.run.id, f!.run.claim_token, { outcome: 'failed', error: 'exit 1' });
        expect(failed.run).toMatchObject({ outcome: 'failed', error: 'exit 1' });
        expect(failed.task).toMatchObject({ status: 'ready', attempts: 1 });
      });

      it('gives up after max_attempts: gave_up with the cause, error kept, task blocked', async () => {
        const task = await store.createTask({ title: 't', max_attempts: 2 });
        const first = await claimOne();
        await store.complete(first!.run.id, first!.run.claim_token, { outcome: 'failed', error: 'e1' });
        const second = await claimOne();
        expect(second?.task.attempts).toBe(2);
        const ended = await store.complete(second!.run.id, second!.run.claim_token, { outcome: 'failed', error: 'e2' });
        expect(ended.run).toMatchObject({ outcome: 'gave_up', error: 'e2' });
        expect(ended.run.metadata.cause).toBe('failed');
        expect(ended.task).toMatchObject({ id: task.id, status: 'blocked' });
        expect(await claimOne()).toBeNull();
      });

      it('requestStop fences the worker; endRun closes once, then ConflictError', async () => {
        const task = await store.createTask({ title: 't' });
        const c = await claimOne();
        const stopping = await store.requestStop(c!.run.id, { actor: 'op', reason: 'wrong input' });
        expect(stopping.stop_requested_at).toBe(clock.now());
        await expectError(store.heartbeat(c!.run.id, c!.run.claim_token), LeaseLostError, /stop requested/);
        await expectError(store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed' }), LeaseLostError, /stop requested/);
        const ended = await store.endRun(c!.run.id, { outcome: 'terminated', exit_code: -15, actor: 'op' });
        expect(ended.run).toMatchObject({ outcome: 'terminated', exit_code: -15 });
        expect(ended.task).toMatchObject({ id: task.id, status: 'ready' });
        await expectError(store.endRun(c!.run.id, { outcome: 'terminated' }), ConflictError, new RegExp(`run ${c!.run.id} already ended`));
        await expectError(store.requestStop(c!.run.id, {}), ConflictError, /already ended/);
        const kinds = (await store.listEvents({ run_id: c!.run.id })).map((e) => e.kind);
        expect(kinds).toEqual(['claimed', 'stop_requested', 'run_ended']);
      });

      it('then overrides the retry rules: block, archive, done, requeue', async () => {
        const destinations = [
          ['block', 'blocked'],
          ['archive', 'archived'],
          ['done', 'done'],
          ['requeue', 'ready'],
        ] as const;
        for (const [then, status] of destinations) {
          const task = await store.createTask({ title: then, max_attempts: 1 });
          const c = await claimOne({ task_id: task.id });
          const ended = await store.endRun(c!.run.id, { outcome: 'crashed', then });
          expect(ended.task.status).toBe(status);
          expect(ended.run.outcome).toBe('crashed');
        }
      });

      it('a claim without a pid has no worker origin; with one it is declared, in the listing too', async () => {
        await store.createTask({ title: 'a' });
        await store.createTask({ title: 'b' });
        const bare = await claimOne({ pid: null });
        const named = await claimOne();
        expect(bare?.run.worker_origin).toBeNull();
        expect(named?.run.worker_origin).toBe('declared');
        const listed = await store.listActiveRuns();
        expect(listed.find((a) => a.run_id === bare!.run.id)?.worker_origin).toBeNull();
        expect(listed.find((a) => a.run_id === named!.run.id)?.worker_origin).toBe('declared');
      });

      it('writes signal_sent and signal_refused events on a run, ended or not, and on no unknown run', async () => {
        await store.createTask({ title: 't' });
        const c = await claimOne();
        const seen: string[] = [];
        const off = store.onCommit((rows) => seen.push(...rows.map((e) => e.kind)));
        const ask = { run_id: c!.run.id, actor: 'reaper', reason: 'lease expired' };
        await store.recordSignal({ ...ask, pid: 4242, signal: 'SIGTERM', group: true, sent: true, refusal: null });
        await store.endRun(c!.run.id, { outcome: 'reclaimed' });
        await store.recordSignal({ ...ask, pid: 4242, signal: 'SIGKILL', group: false, sent: false, refusal: 'refused: another user' });
        off();
        expect(seen).toEqual(['signal_sent', 'reclaimed', 'signal_refused']);
        const events = (await store.listEvents({ run_id: c!.run.id })).filter((e) => e.kind.startsWith('signal_'));
        expect(events.map((e) => [e.kind, e.task_id, e.board, e.payload])).toEqual([
          ['signal_sent', c!.task.id, 'default', { pid: 4242, signal: 'SIGTERM', group: true, actor: 'reaper', reason: 'lease expired' }],
          [
            'signal_refused',
            c!.task.id,
            'default',
            { pid: 4242, signal: 'SIGKILL', group: false, actor: 'reaper', reason: 'lease expired', refusal: 'refused: another user' },
          ],
        ]);
        const before = await store.lastEventId();
        await expectError(
          store.recordSignal({ ...ask, run_id: 987_654, pid: 1, signal: 'SIGTERM', group: false, sent: true, refusal: null }),
          NotFoundError,
        );
        await expectError(store.recordSignal({ ...ask, pid: 1, signal: 'TERM', group: false, sent: true, refusal: null }), InvalidInputError);
        await expectError(store.recordSignal({ ...ask, pid: 1, signal: 'SIGTERM', group: false, sent: true, refusal: 'x' }), InvalidInputError);
        expect(await store.lastEventId()).toBe(before);
      });

      it('records the worker process of a live run only', async () => {
        await store.createTask({ title: 't' });
        const c = await claimOne();
        const run = await store.recordProcess(c!.run.id, { pid: 777, worker_started_at: 1_699_999_999.5, host: 'h2' });
        expect(run).toMatchObject({ worker_pid: 777, worker_started_at: 1_699_999_999.5, host: 'h2', worker_origin: 'spawned' });
        expect(await store.getRun(run.id)).toEqual(run);
        expect((await store.listActiveRuns()).find((a) => a.run_id === run.id)?.worker_origin).toBe('spawned');
        expect((await store.listEvents({ run_id: run.id })).at(-1)?.kind).toBe('process_recorded');
        await store.endRun(run.id, { outcome: 'spawn_failed' });
        await expectError(store.recordProcess(run.id, { pid: 1, worker_started_at: null }), ConflictError);
      });
    });

    describe('reap', () => {
      it('reclaims expired leases and times out runs past their max runtime', async () => {
        const slow = await store.createTask({ title: 'slow', max_runtime_seconds: 50, priority: 2 });
        const quiet = await store.createTask({ title: 'quiet', priority: 1 });
        const alive = await store.createTask({ title: 'alive' });
        const s = await claimOne({ ttl_seconds: 1000 });
        const q = await claimOne({ ttl_seconds: 10 });
        const a = await claimOne({ ttl_seconds: 10 });
        expect([s?.task.id, q?.task.id, a?.task.id]).toEqual([slow.id, quiet.id, alive.id]);
        expect(await store.reap()).toEqual({ reclaimed: [], timed_out: [] });

        for (let i = 0; i < 6; i++) {
          clock.advance(9);
          await store.heartbeat(a!.run.id, a!.run.claim_token);
        }
        const result = await store.reap();
        expect(result.reclaimed.map((r) => r.run.id)).toEqual([q!.run.id]);
        expect(result.timed_out.map((r) => r.run.id)).toEqual([s!.run.id]);
        expect(result.reclaimed[0]).toMatchObject({ run: { outcome: 'reclaimed' }, task: { status: 'ready' } });
        expect(result.timed_out[0]).toMatchObject({ run: { outcome: 'timed_out' }, task: { status: 'ready' } });
        expect((await store.getRun(a!.run.id))?.ended_at).toBeNull();
        expect(await store.reap()).toEqual({ reclaimed: [], timed_out: [] });
        const kinds = (await store.listEvents({ after_id: 0 })).map((e) => e.kind);
        expect(kinds).toContain('reclaimed');
        expect(kinds).toContain('timed_out');
      });

      it('a reclaim on the last attempt gives up', async () => {
        await store.createTask({ title: 't', max_attempts: 1 });
        await claimOne({ ttl_seconds: 5 });
        clock.advance(6);
        const { reclaimed } = await store.reap();
        expect(reclaimed[0]?.run).toMatchObject({ outcome: 'gave_up', metadata: { cause: 'reclaimed' } });
        expect(reclaimed[0]?.task.status).toBe('blocked');
      });
    });

    describe('active runs', () => {
      it('lists live runs newest first with their state', async () => {
        for (const title of ['over', 'stuck', 'expiring', 'healthy']) {
          await store.createTask({ title, board: title === 'over' ? 'other' : 'default', max_runtime_seconds: title === 'over' ? 100 : null });
        }
        const start = clock.now();
        const over = await claimOne({ board: 'other', ttl_seconds: 10_000 });
        clock.advance(1);
        const stuck = await claimOne({ ttl_seconds: 10_000 });
        clock.advance(1);
        const expiring = await claimOne({ ttl_seconds: 40 });
        clock.advance(1);
        const healthy = await claimOne({ ttl_seconds: 10_000 });
        clock.set(start + 30);
        await store.heartbeat(healthy!.run.id, healthy!.run.claim_token, { progress: 1 });
        await store.heartbeat(expiring!.run.id, expiring!.run.claim_token);
        clock.set(start + 65);
        await store.heartbeat(healthy!.run.id, healthy!.run.claim_token, { progress: 2 });
        await store.heartbeat(expiring!.run.id, expiring!.run.claim_token);
        // expiring: 4 s of lease left; healthy: progress 36 s ago; stuck: silent 100 s; over: 101 s of a 100 s budget.
        clock.set(start + 101);

        const rows = await store.listActiveRuns({ progress_timeout_seconds: 60 });
        expect(rows.map((r) => [r.run_id, r.state])).toEqual([
          [healthy!.run.id, 'healthy'],
          [expiring!.run.id, 'lease_expiring'],
          [stuck!.run.id, 'stuck'],
          [over!.run.id, 'over_runtime'],
        ]);
        expect(rows[0]).toMatchObject({ task_title: 'healthy', task_status: 'running', worker: 'w1', board: 'default' });
        expect(rows[0]).not.toHaveProperty('claim_token');
        expect((await store.listActiveRuns({ board: 'other' })).map((r) => r.run_id)).toEqual([over!.run.id]);
        // With the default 600 s progress timeout the silent run is not stuck yet.
        expect((await store.listActiveRuns()).find((r) => r.run_id === stuck!.run.id)?.state).toBe('healthy');
      });
      it('answers each unchanged run of a listing passed back as that object, every other run fresh', async () => {
        for (const title of ['a', 'b', 'c']) await store.createTask({ title });
        const a = await claimOne();
        clock.advance(1);
        const b = await claimOne();
        const first = await store.listActiveRuns();
        expect(first.map((r) => r.run_id)).toEqual([b!.run.id, a!.run.id]);
        // Without a previous listing every object is new; with one, an unchanged run is its object.
        const fresh = await store.listActiveRuns();
        expect(fresh).toEqual(first);
        expect(fresh.some((run, i) => run === first[i])).toBe(false);
        const again = await store.listActiveRuns({}, first);
        expect(again).not.toBe(first);
        expect(again[0]).toBe(first[0]);
        expect(again[1]).toBe(first[1]);

        // A renewal: the renewed run is a fresh object with the new fields, the other one is kept.
        clock.advance(2);
        await store.heartbeat(a!.run.id, a!.run.claim_token);
        const renewed = await store.listActiveRuns({}, first);
        expect(renewed[0]).toBe(first[0]);
        expect(renewed[1]).not.toBe(first[1]);
        expect(renewed[1]).toEqual({ ...first[1], claim_expires: clock.now() + TTL, last_heartbeat_at: clock.now() });
        expect(first[1]!.last_heartbeat_at).not.toBe(clock.now());

        // A new run listed first moves the others; they are still found and kept.
        clock.advance(1);
        const c = await claimOne();
        const moved = await store.listActiveRuns({}, renewed);
        expect(moved.map((r) => r.run_id)).toEqual([c!.run.id, b!.run.id, a!.run.id]);
        expect(moved[1]).toBe(renewed[0]);
        expect(moved[2]).toBe(renewed[1]);

        // Kept objects are compared, not trusted: one the caller changed is answered fresh and right.
        const changed = moved[1] as { task_title: string };
        const title = changed.task_title;
        changed.task_title = 'changed by the caller';
        const checked = await store.listActiveRuns({}, moved);
        expect(checked[1]).not.toBe(moved[1]);
        expect(checked[1]!.task_title).toBe(title);
        expect(checked[0]).toBe(moved[0]);

        // The clock alone changes a state: those runs are fresh objects with the new state.
        clock.advance(22);
        const later = await store.listActiveRuns({}, checked);
        expect(later.map((r) => r.state)).toEqual(['healthy', 'lease_expiring', 'lease_expiring']);
        expect(later[0]).toBe(checked[0]);
        expect(later[1]).not.toBe(checked[1]);
        expect(later[2]).not.toBe(checked[2]);

        // An ended run leaves the listing; a board's listing answers from the same kept objects.
        await store.endRun(c!.run.id, { outcome: 'crashed' });
        const ended = await store.listActiveRuns({ board: 'default' }, later);
        expect(ended.map((r) => r.run_id)).toEqual([b!.run.id, a!.run.id]);
        expect(ended[0]).toBe(later[1]);
        expect(ended[1]).toBe(later[2]);
      });
    });

    describe('run activity', () => {
      it('counts starts and ends per bucket and the runs live before the window', async () => {
        for (let i = 0; i < 4; i++) await store.createTask({ title: `a${i}` });
        const before = await claimOne({ ttl_seconds: 10_000 });
        clock.advance(10);
        const since = clock.now();
        clock.advance(5);
        const first = await claimOne({ ttl_seconds: 10_000 });
        const second = await claimOne({ ttl_seconds: 10_000 });
        clock.advance(60);
        await store.complete(first!.run.id, first!.run.claim_token, { outcome: 'completed' });
        await store.complete(before!.run.id, before!.run.claim_token, { outcome: 'failed' });
        clock.advance(60);
        await store.complete(second!.run.id, second!.run.claim_token, { outcome: 'completed' });
        const counts = await store.runActivity({ since, bucket_seconds: 60 });
        expect(counts.live_at_since).toBe(1);
        expect(counts.started).toEqual([{ bucket: 0, count: 2 }]);
        expect([...counts.ended].sort((a, b) => a.bucket - b.bucket || a.outcome.localeCompare(b.outcome))).toEqual([
          { bucket: 1, outcome: 'completed', count: 1 },
          { bucket: 1, outcome: 'failed', count: 1 },
          { bucket: 2, outcome: 'completed', count: 1 },
        ]);
        // until bounds the counts from above; the runs live at since are the same.
        const bounded = await store.runActivity({ since, until: since + 120, bucket_seconds: 60 });
        expect(bounded.live_at_since).toBe(1);
        expect(bounded.started).toEqual([{ bucket: 0, count: 2 }]);
        expect([...bounded.ended].sort((a, b) => a.outcome.localeCompare(b.outcome))).toEqual([
          { bucket: 1, outcome: 'completed', count: 1 },
          { bucket: 1, outcome: 'failed', count: 1 },
        ]);
        await expectError(store.runActivity({ since, bucket_seconds: 0 }), InvalidInputError);
        await expectError(store.runActivity({ since, until: since, bucket_seconds: 60 }), InvalidInputError);
        expect((await store.runActivity({ since, until: since + 60, bucket_seconds: 60, live: false })).live_at_since).toBeNull();
      });
    });

    describe('events', () => {
      it('ids only grow and after_id pages without gaps; onCommit sees the same rows', async () => {
        const seen: EventRow[] = [];
        const off = store.onCommit((rows) => seen.push(...rows));
        const t = await store.createTask({ title: 't' });
        await store.updateTask(t.id, { priority: 3 });
        const c = await claimOne();
        await store.heartbeat(c!.run.id, c!.run.claim_token, { note: 'hi' });
        await store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed' });
        off();
        await store.createTask({ title: 'after unsubscribe' });

        const all = await store.listEvents();
        expect(all.map((e) => e.kind)).toEqual(['task_created', 'task_updated', 'claimed', 'progress', 'completed', 'task_created']);
        expect(seen).toEqual(all.slice(0, 5));
        for (let i = 1; i < all.length; i++) expect(all[i]!.id).toBeGreaterThan(all[i - 1]!.id);
        expect(await store.lastEventId()).toBe(all.at(-1)!.id);
        const paged: EventRow[] = [];
        let after = 0;
        for (;;) {
          const page = await store.listEvents({ after_id: after, limit: 2 });
          if (page.length === 0) break;
          paged.push(...page);
          after = page.at(-1)!.id;
        }
        expect(paged).toEqual(all);
        expect(all[0]).toMatchObject({ board: 'default', task_id: t.id, run_id: null, created_at: clock.now() });
        expect(typeof all[0]?.payload).toBe('object');
      });
    });

    describe('event retention and paging', () => {
      it('before_id with newest_first pages a task\'s history backwards', async () => {
        const t = await store.createTask({ title: 'paged' });
        for (let i = 0; i < 6; i++) await store.updateTask(t.id, { priority: i + 1 });
        const all = await store.listEvents({ task_id: t.id });
        expect(all).toHaveLength(7);
        const newest = await store.listEvents({ task_id: t.id, newest_first: true, limit: 3 });
        expect(newest.map((e) => e.id)).toEqual(all.slice(4).map((e) => e.id).reverse());
        const older = await store.listEvents({ task_id: t.id, newest_first: true, before_id: newest.at(-1)!.id, limit: 3 });
        expect(older.map((e) => e.id)).toEqual(all.slice(1, 4).map((e) => e.id).reverse());
        await expectError(store.listEvents({ before_id: 0 }), InvalidInputError);
      });

      it('prunes by age and by count per task, in batches; tasks, runs and the newest row stay', async () => {
        const old = await store.createTask({ title: 'old' });
        for (let i = 0; i < 4; i++) await store.updateTask(old.id, { priority: i + 1 });
        const c = await claimOne();
        await store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed' });
        clock.advance(10 * 86_400);
        const busy = await store.createTask({ title: 'busy' });
        for (let i = 0; i < 9; i++) await store.updateTask(busy.id, { priority: i + 1 });
        const tasksBefore = await store.listTasks();
        const runsBefore = await store.listRuns(old.id);

        const byAge = await store.pruneEvents({ older_than: clock.now() - 86_400, keep_per_task: null, batch_size: 2 });
        expect(byAge.deleted).toBe(7);
        expect(await store.listEvents({ task_id: old.id })).toEqual([]);
        expect(await store.listEvents({ task_id: busy.id })).toHaveLength(10);

        const newestTen = (await store.listEvents({ task_id: busy.id })).slice(-3);
        const byCount = await store.pruneEvents({ older_than: null, keep_per_task: 3, batch_size: 4 });
        expect(byCount.deleted).toBe(7);
        expect(await store.listEvents({ task_id: busy.id })).toEqual(newestTen);
        expect(await store.listTasks()).toEqual(tasksBefore);
        expect(await store.listRuns(old.id)).toEqual(runsBefore);
        expect(await store.pruneEvents({ older_than: null, keep_per_task: 3, batch_size: 4 })).toEqual({ deleted: 0, checked_to_id: await store.lastEventId() });

        // Everything is older than the cutoff: the newest row of all survives, so ids never go back.
        const last = await store.lastEventId();
        await store.pruneEvents({ older_than: clock.now() + 1, keep_per_task: null, batch_size: 100 });
        expect((await store.listEvents()).map((e) => e.id)).toEqual([last]);
        const next = await store.createTask({ title: 'after pruning' });
        expect((await store.listEvents({ task_id: next.id }))[0]!.id).toBeGreaterThan(last);
        await expectError(store.pruneEvents({ older_than: null, keep_per_task: 0, batch_size: 10 }), InvalidInputError);
      });

      it('prunes a log larger than a pass\'s first batch, as the batches change size, by age and per task', async () => {
        // Over 500 rows (the first batch), with batch_size above it: the pass sizes its batches as it
        // goes, so the SQL runs with limits and slice widths that change between batches.
        const tasks = [];
        for (const part of [0, 1]) tasks.push(...(await store.createTasks(Array.from({ length: 600 }, (_, i) => ({ title: `bulk ${part}.${i}` })))));
        for (const t of tasks.slice(0, 600)) await store.updateTask(t.id, { priority: 1 });
        const perTask = await store.pruneEvents({ older_than: null, keep_per_task: 1, batch_size: 5000 });
        expect(perTask).toEqual({ deleted: 600, checked_to_id: await store.lastEventId() });
        for (const t of [tasks[0]!, tasks[599]!, tasks[600]!, tasks[1199]!]) expect(await store.listEvents({ task_id: t.id })).toHaveLength(1);

        clock.advance(10);
        const last = await store.lastEventId();
        const byAge = await store.pruneEvents({ older_than: clock.now(), keep_per_task: null, batch_size: 5000 });
        expect(byAge.deleted).toBe(1199);
        expect((await store.listEvents()).map((e) => e.id)).toEqual([last]);
        expect(await store.listTasks()).toHaveLength(1200);
      });

      it('holds to the per-task limit only the tasks with events after tasks_after_id, and says where the next pass starts', async () => {
        const quiet = await store.createTask({ title: 'quiet' });
        for (let i = 0; i < 5; i++) await store.updateTask(quiet.id, { priority: i + 1 });
        const mark = await store.lastEventId();
        const loud = await store.createTask({ title: 'loud' });
        for (let i = 0; i < 5; i++) await store.updateTask(loud.id, { priority: i + 1 });
        const top = await store.lastEventId();

        const recent = await store.pruneEvents({ older_than: null, keep_per_task: 2, tasks_after_id: mark, batch_size: 3 });
        expect(recent).toEqual({ deleted: 4, checked_to_id: top });
        expect(await store.listEvents({ task_id: loud.id })).toHaveLength(2);
        expect(await store.listEvents({ task_id: quiet.id })).toHaveLength(6);
        // From the start: every task.
        expect((await store.pruneEvents({ older_than: null, keep_per_task: 2, tasks_after_id: 0, batch_size: 3 })).deleted).toBe(4);
        expect(await store.listEvents({ task_id: quiet.id })).toHaveLength(2);
        await expectError(store.pruneEvents({ older_than: null, keep_per_task: 2, tasks_after_id: -1, batch_size: 3 }), InvalidInputError);
      });

      it('refuses progress, notes, summaries, results, errors and comments over their size limits', async () => {
        const t = await store.createTask({ title: 'sizes' });
        const c = await claimOne();
        const before = await snapshot(store);
        const big = (bytes: number) => ({ blob: 'x'.repeat(bytes) });
        await expectError(store.heartbeat(c!.run.id, c!.run.claim_token, { progress: big(17 * 1024) }), InvalidInputError, /progress/);
        await expectError(store.heartbeat(c!.run.id, c!.run.claim_token, { note: 'n'.repeat(4001) }), InvalidInputError, /note/);
        await expectError(store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed', summary: 's'.repeat(16_001) }), InvalidInputError, /summary/);
        await expectError(store.complete(c!.run.id, c!.run.claim_token, { outcome: 'failed', error: 'e'.repeat(16_001) }), InvalidInputError, /error/);
        await expectError(store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed', result: big(65 * 1024) }), InvalidInputError, /result/);
        await expectError(store.addComment(t.id, 'me', 'c'.repeat(16_001)), InvalidInputError, /body/);
        expect(await snapshot(store)).toEqual(before);
        await store.heartbeat(c!.run.id, c!.run.claim_token, { progress: big(15 * 1024), note: 'n'.repeat(4000) });
        await store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed', result: big(60 * 1024), summary: 's'.repeat(16_000) });
      });
    });

    describe('bad input changes nothing', () => {
      it('every rejected call leaves the store exactly as it was', async () => {
        const parent = await store.createTask({ title: 'parent' });
        const child = await store.createTask({ title: 'child', parents: [parent.id], triage: true });
        const live = await claimOne();
        await store.createTask({ title: 'spare', assignee: 'echo' });
        const ended = await store.createTask({ title: 'ended', assignee: 'x' });
        const endedClaim = await claimOne({ profile: 'x' });
        await store.complete(endedClaim!.run.id, endedClaim!.run.claim_token, { outcome: 'completed' });
        clock.advance(1);
        const before = await snapshot(store);

        // Each call starts only when the previous one has settled: a rejection is always awaited where it happens.
        const attempts: [() => Promise<unknown>, ErrorClass][] = [
          [() => store.updateTask('t_00000000', { title: 'x' }), NotFoundError],
          [() => store.updateTask(child.id, { status: 'ready', title: 'renamed' }), ConflictError],
          [() => store.updateTask(parent.id, { parents: [child.id], title: 'renamed' }), InvalidInputError],
          [() => store.updateTask(child.id, { priority: 1.5 }), InvalidInputError],
          [() => store.updateTask(parent.id, { status: 'done' }), ConflictError],
          [() => store.createTask({ title: 'x', parents: [parent.id, 't_00000000'] }), NotFoundError],
          [() => store.createTask({ title: '', board: 'newboard' }), InvalidInputError],
          [() => store.createTask({ title: 'x', board: 'newboard', max_attempts: 0 }), InvalidInputError],
          [() => claimOne({ ttl_seconds: -5, profile: 'echo' }), InvalidInputError],
          [() => store.heartbeat(live!.run.id, 'forged'), LeaseLostError],
          [() => store.complete(live!.run.id, 'forged', { outcome: 'completed' }), LeaseLostError],
          [() => store.complete(live!.run.id, live!.run.claim_token, { outcome: 'exploded' as never }), InvalidInputError],
          [() => store.complete(endedClaim!.run.id, endedClaim!.run.claim_token, { outcome: 'completed' }), LeaseLostError],
          [() => store.endRun(endedClaim!.run.id, { outcome: 'terminated' }), ConflictError],
          [() => store.endRun(live!.run.id, { outcome: 'terminated', then: 'nowhere' as never }), InvalidInputError],
          [() => store.requestStop(999_999, {}), NotFoundError],
          [() => store.addComment(ended.id, 'bob', ''), InvalidInputError],
          [() => store.createToken({ role: 'root' as never, name: 'x', secret_hash: 'h' }), InvalidInputError],
        ];
        for (const [call, type] of attempts) await expectError(call(), type);
        expect(await snapshot(store)).toEqual(before);
      });
    });

    describe('the same behaviour on every adapter', () => {
      it('checks an event filter the same way, before any query', async () => {
        const task = await store.createTask({ title: 'e' });
        for (const bad of [{ run_id: -1 }, { run_id: 1.5 }, { task_id: 'nope' }, { board: 'Not A Slug' }, { after_id: -1 }, { before_id: 0 }, { limit: 0 }, { limit: 10_001 }]) {
          await expectError(store.listEvents(bad as never), InvalidInputError);
        }
        expect((await store.listEvents({ task_id: task.id })).map((e) => e.kind)).toEqual(['task_created']);
        expect(await store.listEvents({ run_id: 999_999 })).toEqual([]);
      });

      it('checks an active-run filter the same way', async () => {
        await expectError(store.listActiveRuns({ board: 'Bad Board' }), InvalidInputError);
        await expectError(store.listActiveRuns({ progress_timeout_seconds: 0 }), InvalidInputError);
        await expectError(store.listActiveRuns({ progress_timeout_seconds: Number.NaN }), InvalidInputError);
      });

      it('a commit listener that throws or rejects is reported and neither fails the commit nor silences the others', async () => {
        const reported: unknown[] = [];
        const original = console.error;
        console.error = (...args: unknown[]) => void reported.push(args[1]);
        try {
          const heard: EventRow[][] = [];
          const stops = [
            store.onCommit(() => {
              throw new Error('listener threw');
            }),
            store.onCommit(() => Promise.reject(new Error('listener rejected')) as never),
            store.onCommit((events) => void heard.push(events)),
          ];
          const task = await store.createTask({ title: 'heard' });
          expect(heard.flat().map((e) => e.task_id)).toEqual([task.id]);
          await new Promise((resolve) => setTimeout(resolve, 10));
          expect(reported.map((err) => (err as Error).message).sort()).toEqual(['listener rejected', 'listener threw']);
          for (const stop of stops) stop();
        } finally {
          console.error = original;
        }
      });

      it('finding a token refreshes its last_used_at at most once a minute', async () => {
        const token = await store.createToken({ role: 'viewer', name: 'reader', secret_hash: 'hash-reader' });
        const usedAt = async () => (await store.listTokens()).find((t) => t.id === token.id)?.last_used_at;
        expect((await store.findTokenByHash('hash-reader'))?.id).toBe(token.id);
        const first = clock.now();
        expect(await usedAt()).toBe(first);
        clock.advance(59);
        await store.findTokenByHash('hash-reader');
        expect(await usedAt()).toBe(first);
        clock.advance(1);
        await store.findTokenByHash('hash-reader');
        expect(await usedAt()).toBe(clock.now());
      });
    });

    describe('tokens', () => {
      it('creates, finds, lists and revokes tokens', async () => {
        const admin = await store.createToken({ role: 'admin', name: 'root', secret_hash: 'hash-admin' });
        const worker = await store.createToken({ role: 'worker', name: 'collector', secret_hash: 'hash-w' });
        const perRun = await store.createToken({ role: 'worker', name: 'echo', secret_hash: 'hash-r', run_id: 12 });
        expect(admin).toMatchObject({ role: 'admin', name: 'root', created_at: clock.now(), run_id: null });
        expect(perRun.run_id).toBe(12);
        expect((await store.findTokenByHash('hash-w'))?.id).toBe(worker.id);
        expect(await store.findTokenByHash('nope')).toBeNull();
        const listed = await store.listTokens();
        expect(listed.map((t) => t.id).sort()).toEqual([admin.id, worker.id, perRun.id].sort());
        expect(JSON.stringify(listed)).not.toContain('hash-');
        await expectError(store.createToken({ role: 'viewer', name: 'dup', secret_hash: 'hash-w' }), Error);
        await expectError(store.createToken({ role: 'worker', name: 'has.dot', secret_hash: 'z' }), InvalidInputError);

        expect(await store.revokeRunTokens(12)).toBe(1);
        expect(await store.findTokenByHash('hash-r')).toBeNull();
        expect(await store.revokeToken(worker.id)).toBe(true);
        expect(await store.revokeToken(worker.id)).toBe(false);
        expect((await store.listTokens()).map((t) => t.id)).toEqual([admin.id]);
      });
    });
  });
  batchAndFusedContract(name, openFresh);
}
