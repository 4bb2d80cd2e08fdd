import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, LeaseLostError, NotFoundError } from '../../src/core/errors.js';
import { MAX_TASK_BATCH } from '../../src/core/task-batch.js';
import type { FakeClock } from '../../src/ports/clock.js';
import type { ClaimRequest, Store } from '../../src/ports/store.js';
import { expectError, snapshot } from './store-contract.js';
import type { FreshStore } from './store-contract.js';

const TTL = 30;

/** completeAndClaim and createTasks, on every adapter (called from storeContract). */
export function batchAndFusedContract(name: string, openFresh: () => Promise<FreshStore>): void {
  describe(`store contract: ${name}: completeAndClaim and createTasks`, () => {
    let store: Store;
    let clock: FakeClock;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, clock, cleanup } = await openFresh());
    });
    afterEach(async () => {
      await cleanup();
    });

    const request = (extra: Partial<ClaimRequest> = {}): ClaimRequest => ({
      worker: 'w1',
      host: 'h1',
      pid: 4242,
      ttl_seconds: TTL,
      ...extra,
    });
    const claimOne = (extra: Partial<ClaimRequest> = {}) => store.claim(request(extra));

    describe('completeAndClaim', () => {
      it('completes like complete, then claims the next task under a fresh run; events in that order', async () => {
        const first = await store.createTask({ title: 'first', priority: 2 });
        const second = await store.createTask({ title: 'second', priority: 1 });
        const c = await claimOne();
        clock.advance(5);
        const seen: string[] = [];
        const off = store.onCommit((rows) => seen.push(...rows.map((e) => e.kind)));
        const answer = await store.completeAndClaim(
          c!.run.id,
          c!.run.claim_token,
          { outcome: 'completed', summary: 'ok', result: { n: 1 } },
          request({ worker: 'w2' }),
        );
        off();
        expect(answer.run).toMatchObject({ id: c!.run.id, outcome: 'completed', ended_at: clock.now(), summary: 'ok' });
        expect(answer.task).toMatchObject({ id: first.id, status: 'done', result: { n: 1 }, current_run_id: null });
        expect(answer.next?.task).toMatchObject({ id: second.id, status: 'running', attempts: 1, current_run_id: answer.next?.run.id });
        expect(answer.next?.run).toMatchObject({
          task_id: second.id,
          worker: 'w2',
          worker_origin: 'declared',
          claim_expires: clock.now() + TTL,
          last_heartbeat_at: clock.now(),
          started_at: clock.now(),
          ended_at: null,
        });
        expect(answer.next?.run.claim_token).not.toBe(c!.run.claim_token);
        expect(await store.getTask(second.id)).toEqual(answer.next?.task);
        expect(await store.getRun(answer.next!.run.id)).toEqual(answer.next?.run);
        const events = await store.listEvents({ after_id: 0 });
        expect(events.slice(-2).map((e) => [e.kind, e.run_id])).toEqual([
          ['completed', c!.run.id],
          ['claimed', answer.next!.run.id],
        ]);
        expect(seen).toEqual(['completed', 'claimed']);
        // The next run is fenced like any claim: it heartbeats and completes with its own token only.
        await expectError(store.heartbeat(answer.next!.run.id, c!.run.claim_token), LeaseLostError);
        await store.heartbeat(answer.next!.run.id, answer.next!.run.claim_token);
      });

      it('answers next: null when nothing is ready, the completion applied', async () => {
        const only = await store.createTask({ title: 'only' });
        const c = await claimOne();
        const answer = await store.completeAndClaim(c!.run.id, c!.run.claim_token, { outcome: 'blocked' }, request());
        expect(answer.next).toBeNull();
        expect(answer.task).toMatchObject({ id: only.id, status: 'blocked' });
        expect((await store.getRun(c!.run.id))?.outcome).toBe('blocked');
      });

      it('a refused completion claims nothing and changes nothing', async () => {
        await store.createTask({ title: 'a', priority: 3 });
        await store.createTask({ title: 'b', priority: 2 });
        await store.createTask({ title: 'c', priority: 1 });
        const live = await claimOne();
        const ended = await claimOne();
        await store.complete(ended!.run.id, ended!.run.claim_token, { outcome: 'completed' });
        clock.advance(1);
        const before = await snapshot(store);
        await expectError(store.completeAndClaim(live!.run.id, 'forged', { outcome: 'completed' }, request()), LeaseLostError);
        await expectError(
          store.completeAndClaim(ended!.run.id, ended!.run.claim_token, { outcome: 'completed' }, request()),
          LeaseLostError,
        );
        await expectError(
          store.completeAndClaim(live!.run.id, live!.run.claim_token, { outcome: 'failed' }, request({ worker: 'w.bad' })),
          InvalidInputError,
          /worker/,
        );
        await expectError(store.completeAndClaim(999_999, 'x'.repeat(32), { outcome: 'completed' }, request()), NotFoundError);
        expect(await snapshot(store)).toEqual(before);

        // A reclaimed run is refused too, and its task goes to the next claimer only through the normal path.
        clock.advance(TTL + 1);
        await store.reap();
        const afterReap = await snapshot(store);
        await expectError(store.completeAndClaim(live!.run.id, live!.run.claim_token, { outcome: 'completed' }, request()), LeaseLostError);
        expect(await snapshot(store)).toEqual(afterReap);
      });

      it('a failed run is settled by the retry rules, then the claim may take the same task again', async () => {
        const task = await store.createTask({ title: 'flaky', max_attempts: 3 });
        const c = await claimOne();
        const answer = await store.completeAndClaim(c!.run.id, c!.run.claim_token, { outcome: 'failed', error: 'e1' }, request());
        expect(answer.run).toMatchObject({ outcome: 'failed', error: 'e1' });
        expect(answer.task).toMatchObject({ id: task.id, status: 'ready', attempts: 1 });
        expect(answer.next?.task).toMatchObject({ id: task.id, status: 'running', attempts: 2 });
        const kinds = (await store.listEvents({ after_id: 0 })).map((e) => e.kind);
        expect(kinds.at(-1)).toBe('claimed');
        expect(kinds.lastIndexOf('run_ended')).toBeLessThan(kinds.lastIndexOf('claimed'));
      });

      it('a child made ready by the completion is claimable in the same call; filters apply to the claim', async () => {
        const parent = await store.createTask({ title: 'parent' });
        const child = await store.createTask({ title: 'child', parents: [parent.id] });
        const echo = await store.createTask({ title: 'echo', assignee: 'echo', priority: 9 });
        const c = await claimOne();
        expect(c?.task.id).toBe(parent.id);
        const answer = await store.completeAndClaim(c!.run.id, c!.run.claim_token, { outcome: 'completed' }, request());
        expect(answer.task.status).toBe('done');
        expect(answer.next?.task.id).toBe(child.id);
        const e = await store.completeAndClaim(
          answer.next!.run.id,
          answer.next!.run.claim_token,
          { outcome: 'completed' },
          request({ profile: 'echo', board: 'default' }),
        );
        expect(e.next?.task.id).toBe(echo.id);
      });
    });

    describe('completeAndClaimMany', () => {
      const rejection = (answer: PromiseSettledResult<unknown> | undefined): unknown =>
        answer?.status === 'rejected' ? answer.reason : undefined;

      it('settles every item like completeAndClaim alone; the next tasks go out by priority in item order', async () => {
        const done = await Promise.all([1, 2, 3].map((i) => store.createTask({ title: `running ${i}`, priority: 10 })));
        const held = [await claimOne(), await claimOne(), await claimOne()];
        const low = await store.createTask({ title: 'low', priority: 1 });
        const high = await store.createTask({ title: 'high', priority: 5 });
        clock.advance(2);
        const seen: string[] = [];
        const off = store.onCommit((rows) => seen.push(...rows.map((e) => `${e.kind}:${e.run_id}`)));
        const answers = await store.completeAndClaimMany(
          held.map((c, i) => ({
            run_id: c!.run.id,
            claim_token: c!.run.claim_token,
            input: { outcome: 'completed' as const, summary: `s${i}`, ...(i === 1 ? { result: { i } } : {}) },
            next: request({ worker: 'pool' }),
          })),
        );
        off();
        expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        const values = answers.map((a) => (a.status === 'fulfilled' ? a.value : null));
        values.forEach((value, i) => {
          expect(value?.run).toMatchObject({ id: held[i]!.run.id, outcome: 'completed', summary: `s${i}`, ended_at: clock.now() });
          expect(value?.task).toMatchObject({ id: held[i]!.task.id, status: 'done', current_run_id: null });
        });
        expect(values[1]?.task.result).toEqual({ i: 1 });
        expect(values.map((v) => v?.next?.task.id ?? null)).toEqual([high.id, low.id, null]);
        for (const value of values.slice(0, 2)) {
          const next = value!.next!;
          expect(next.run).toMatchObject({
            task_id: next.task.id,
            worker: 'pool',
            worker_origin: 'declared',
            claim_expires: clock.now() + TTL,
            ended_at: null,
          });
          expect(next.task).toMatchObject({ status: 'running', attempts: 1, current_run_id: next.run.id });
          expect(await store.getRun(next.run.id)).toEqual(next.run);
          expect(await store.getTask(next.task.id)).toEqual(next.task);
          await store.heartbeat(next.run.id, next.run.claim_token);
        }
        expect(values[0]!.next!.run.claim_token).not.toBe(values[1]!.next!.run.claim_token);
        expect(done.map((t) => t.id).sort()).toEqual(held.map((c) => c!.task.id).sort());
        // The store's listeners hear every event once, in id order; a claim's event follows the completion that made room for it.
        const events = (await store.listEvents({ after_id: 0 })).slice(-5);
        expect(events.map((e) => `${e.kind}:${e.run_id}`)).toEqual(seen);
        expect(events.map((e) => e.kind).sort()).toEqual(['claimed', 'claimed', 'completed', 'completed', 'completed']);
        const position = (kind: string, runId: number | undefined) => events.findIndex((e) => e.kind === kind && e.run_id === runId);
        for (const i of [0, 1]) {
          expect(position('completed', held[i]!.run.id)).toBeLessThan(position('claimed', values[i]!.next!.run.id));
        }
      });

      it('a refused or invalid item is answered alone and changes nothing; the others go through', async () => {
        await Promise.all([1, 2, 3, 4].map((i) => store.createTask({ title: `t${i}`, priority: 9 })));
        const flaky = await store.createTask({ title: 'flaky', max_attempts: 2, priority: 9 });
        const held = [await claimOne(), await claimOne(), await claimOne(), await claimOne(), await claimOne()];
        const flakyRun = held.find((c) => c!.task.id === flaky.id)!;
        const others = held.filter((c) => c !== flakyRun);
        const spare = await store.createTask({ title: 'spare' });
        const item = (c: (typeof held)[number] | undefined, extra: Partial<{ token: string; next: ClaimRequest }> = {}) => ({
          run_id: c!.run.id,
          claim_token: extra.token ?? c!.run.claim_token,
          input: { outcome: 'completed' as const },
          next: extra.next ?? request(),
        });
        const answers = await store.completeAndClaimMany([
          item(others[0], { token: 'forged' }),
          item(others[1], { next: request({ worker: 'w.bad' }) }),
          { run_id: flakyRun!.run.id, claim_token: flakyRun!.run.claim_token, input: { outcome: 'failed', error: 'e' }, next: request() },
          item(others[2]),
          { run_id: 999_999, claim_token: 'x'.repeat(32), input: { outcome: 'completed' }, next: request() },
        ]);
        expect(rejection(answers[0])).toBeInstanceOf(LeaseLostError);
        expect(rejection(answers[1])).toBeInstanceOf(InvalidInputError);
        expect(rejection(answers[4])).toBeInstanceOf(NotFoundError);
        expect(answers[2]?.status).toBe('fulfilled');
        expect(answers[3]?.status).toBe('fulfilled');
        // Refused: the run is still live under its owner, and its task still running.
        for (const c of [others[0], others[1]]) {
          expect(await store.getRun(c!.run.id)).toMatchObject({ ended_at: null, outcome: null });
          expect((await store.getTask(c!.task.id))?.status).toBe('running');
        }
        // Accepted: the failed run follows the retry rules, and both claims were made (spare, and flaky again).
        const flakyAnswer = answers[2]?.status === 'fulfilled' ? answers[2].value : null;
        expect(flakyAnswer?.run).toMatchObject({ outcome: 'failed', error: 'e' });
        const claimedIds = answers
          .map((a) => (a.status === 'fulfilled' ? a.value.next?.task.id : undefined))
          .filter((id): id is string => id !== undefined)
          .sort();
        expect(claimedIds).toEqual([flaky.id, spare.id].sort());
        expect((await store.countTasksByStatus()).ready).toBe(0);
      });

      it('an empty batch answers nothing and writes nothing', async () => {
        await store.createTask({ title: 'idle' });
        const before = await snapshot(store);
        expect(await store.completeAndClaimMany([])).toEqual([]);
        expect(await snapshot(store)).toEqual(before);
      });
    });

    describe('createTasks', () => {
      it('creates every task in order; #n names an earlier task of the batch', async () => {
        const existing = await store.createTask({ title: 'existing' });
        const created = await store.createTasks(
          [
            { title: 'a' },
            { title: 'b', parents: ['#0'] },
            { title: 'c', parents: ['#1', existing.id], board: 'other' },
            { title: 'd', priority: 0 },
          ],
          'alice',
        );
        expect(created.map((t) => t.title)).toEqual(['a', 'b', 'c', 'd']);
        const [a, b, c, d] = created;
        expect(b).toMatchObject({ parents: [a!.id], status: 'todo' });
        expect(c).toMatchObject({ parents: [b!.id, existing.id], status: 'todo', board: 'other' });
        for (const task of created) expect(await store.getTask(task.id)).toEqual(task);
        expect(await store.listBoards()).toEqual(['default', 'other']);
        const events = (await store.listEvents({ after_id: 0 })).slice(1);
        expect(events.map((e) => [e.kind, e.task_id, e.payload.actor])).toEqual(created.map((t) => ['task_created', t.id, 'alice']));
        // Same priority and time: claims follow the batch order.
        expect((await claimOne())?.task.id).toBe(existing.id);
        expect((await claimOne())?.task.id).toBe(a!.id);
        expect((await claimOne())?.task.id).toBe(d!.id);
        expect(await store.createTasks([])).toEqual([]);
      });

      it('a bad item rejects the whole batch with nothing written', async () => {
        const existing = await store.createTask({ title: 'existing' });
        const before = await snapshot(store);
        const bad: [Parameters<Store['createTasks']>[0], ErrorClassLike, RegExp][] = [
          [[{ title: 'ok', board: 'newboard' }, { title: '' }], InvalidInputError, /tasks\[1\]/],
          [[{ title: 'ok' }, { title: 'ok2', parents: [existing.id] }, { title: 'x', max_attempts: 0 }], InvalidInputError, /tasks\[2\]/],
          [[{ title: 'ok' }, { title: 'x', parents: ['t_00000000'] }], NotFoundError, /tasks\[1\]/],
          [[{ title: 'self', parents: ['#0'] }], InvalidInputError, /earlier task/],
          [[{ title: 'a' }, { title: 'later', parents: ['#2'] }, { title: 'c' }], InvalidInputError, /earlier task/],
          [[{ title: 'ok' }, null as never], InvalidInputError, /tasks\[1\]/],
          [Array.from({ length: MAX_TASK_BATCH + 1 }, (_, i) => ({ title: `t${i}` })), InvalidInputError, /at most/],
          ['nope' as never, InvalidInputError, /array/],
        ];
        for (const [inputs, type, message] of bad) await expectError(store.createTasks(inputs), type, message);
        expect(await snapshot(store)).toEqual(before);
      });
    });
  });
}

type ErrorClassLike = Parameters<typeof expectError>[1];
