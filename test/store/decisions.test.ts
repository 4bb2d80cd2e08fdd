import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/core/errors.js';
import { claimedPayload, completionEventKind } from '../../src/core/events.js';
import { fenceFailure, reapVerdict } from '../../src/core/lease.js';
import type { WorkerOutcome } from '../../src/core/types.js';
import type { Claimed, Store } from '../../src/ports/store.js';
import type { FakeClock } from '../../src/ports/clock.js';
import { STORES } from './fixtures/both-stores.js';
import type { OpenedStore } from './fixtures/both-stores.js';

/**
 * Each decision the stores' SQL states itself (shared/decision-sql.ts, the fast paths) is held against
 * the core function that makes it: the same cases through both stores and through the core, and the
 * store must answer what the core says.
 */
for (const kind of STORES) {
  describe.runIf(await kind.available())(`${kind.kind}: the SQL decides as the core does`, () => {
    let opened: OpenedStore;
    let store: Store;
    let clock: FakeClock;
    let n = 0;
    beforeAll(async () => {
      opened = await kind.open();
      store = opened.store;
      clock = opened.clock;
    });
    afterAll(async () => opened.cleanup());

    /** A task of a board of its own, claimed: each case starts from a fresh run nothing else touches. */
    async function claimed(opts: { ttl?: number; max_runtime_seconds?: number } = {}): Promise<Claimed> {
      const board = `case-${++n}`;
      const task = await store.createTask({ title: `case ${n}`, board });
      const claim = await store.claim({
        worker: 'w',
        host: 'h',
        pid: 4242,
        ttl_seconds: opts.ttl ?? 30,
        task_id: task.id,
        ...(opts.max_runtime_seconds === undefined ? {} : { max_runtime_seconds: opts.max_runtime_seconds }),
      });
      if (!claim) throw new Error('nothing claimed');
      return claim;
    }

    /** A run in each state the fence distinguishes, and the token a worker presents for it. */
    const fenceCases: { name: string; setup: (run: Claimed) => Promise<string> }[] = [
      { name: 'its own live run', setup: async (c) => c.run.claim_token },
      { name: 'a wrong token', setup: async () => (await claimed()).run.claim_token },
      {
        name: 'an ended run',
        setup: async (c) => {
          await store.complete(c.run.id, c.run.claim_token, { outcome: 'failed' });
          return c.run.claim_token;
        },
      },
      {
        name: 'a stop requested',
        setup: async (c) => {
          await store.requestStop(c.run.id, { actor: 'test' });
          return c.run.claim_token;
        },
      },
      {
        name: 'a lapsed lease',
        setup: async (c) => {
          clock.advance(31);
          return c.run.claim_token;
        },
      },
      {
        name: 'the last second of the lease',
        setup: async (c) => {
          clock.advance(30);
          return c.run.claim_token;
        },
      },
    ];
    const fencedCalls: { name: string; call: (runId: number, token: string) => Promise<unknown> }[] = [
      { name: 'heartbeat', call: (id, token) => store.heartbeat(id, token) },
      { name: 'heartbeat with progress', call: (id, token) => store.heartbeat(id, token, { progress: 0.5, note: 'n' }) },
      { name: 'complete', call: (id, token) => store.complete(id, token, { outcome: 'completed' }) },
      {
        name: 'completeAndClaim',
        call: (id, token) => store.completeAndClaim(id, token, { outcome: 'completed' }, { worker: 'w', host: 'h', ttl_seconds: 30, board: 'empty' }),
      },
      {
        name: 'completeAndClaimMany',
        call: async (id, token) => {
          const [answer] = await store.completeAndClaimMany([
            { run_id: id, claim_token: token, input: { outcome: 'completed' }, next: { worker: 'w', host: 'h', ttl_seconds: 30, board: 'empty' } },
          ]);
          if (answer?.status === 'rejected') throw answer.reason;
          return answer?.value;
        },
      },
    ];

    for (const call of fencedCalls) {
      it.each(fenceCases)(`fence, ${call.name}: $name`, async ({ setup }) => {
        const c = await claimed();
        const token = await setup(c);
        const run = (await store.getRun(c.run.id))!;
        const reason = fenceFailure(run, token, clock.now());
        const answer = await call.call(c.run.id, token).then(
          () => null,
          (err: unknown) => err,
        );
        if (reason === null) expect(answer).toBeNull();
        else {
          expect(answer).toBeInstanceOf(LeaseLostError);
          expect((answer as Error).message).toContain(reason);
        }
      });
    }

    it('reap: the runs the SQL selects and how each ends are what reapVerdict says', async () => {
      // One moment, T = 20 s from now, and a run on each side of every boundary.
      const runs = {
        lapsed: await claimed({ ttl: 10 }),
        justLapsed: await claimed({ ttl: 19.5 }),
        lastSecond: await claimed({ ttl: 20 }),
        overRuntime: await claimed({ ttl: 100, max_runtime_seconds: 10 }),
        justOverRuntime: await claimed({ ttl: 100, max_runtime_seconds: 19.5 }),
        runtimeLastSecond: await claimed({ ttl: 100, max_runtime_seconds: 20 }),
        both: await claimed({ ttl: 10, max_runtime_seconds: 5 }),
        healthy: await claimed({ ttl: 100 }),
        ended: await claimed({ ttl: 10 }),
      };
      await store.complete(runs.ended.run.id, runs.ended.run.claim_token, { outcome: 'completed' });
      // Runs of earlier cases are reaped too; only this case's runs are compared.
      clock.advance(20);
      const expected = new Map<number, ReturnType<typeof reapVerdict>>();
      for (const c of Object.values(runs)) expected.set(c.run.id, reapVerdict((await store.getRun(c.run.id))!, clock.now()));
      expect([...expected.values()].filter((v) => v !== null)).toHaveLength(5);
      const result = await store.reap();
      for (const [runId, verdict] of expected) {
        const reclaimed = result.reclaimed.some((e) => e.run.id === runId);
        const timedOut = result.timed_out.some((e) => e.run.id === runId);
        expect({ reclaimed, timedOut }).toEqual({ reclaimed: verdict?.outcome === 'reclaimed', timedOut: verdict?.outcome === 'timed_out' });
        const end = (await store.listEvents({ run_id: runId })).find((e) => e.kind === 'reclaimed' || e.kind === 'timed_out');
        if (verdict === null) {
          expect(end).toBeUndefined();
          continue;
        }
        expect((await store.getRun(runId))?.outcome).toBe(verdict.outcome);
        expect(end?.kind).toBe(verdict.outcome);
        expect(end?.payload).toMatchObject({ actor: verdict.actor, reason: verdict.reason });
      }
    });

    const claimCalls: { name: string; claim: (board: string) => Promise<Claimed | null> }[] = [
      { name: 'claim', claim: (board) => store.claim({ worker: 'w', host: 'h', pid: 7, ttl_seconds: 30, board, profile: null }) },
      {
        name: 'completeAndClaim',
        claim: async (board) => {
          const c = await claimed();
          return (await store.completeAndClaim(c.run.id, c.run.claim_token, { outcome: 'completed' }, { worker: 'w', host: 'h', pid: 7, ttl_seconds: 30, board })).next;
        },
      },
      {
        name: 'completeAndClaimMany',
        claim: async (board) => {
          const c = await claimed();
          const [answer] = await store.completeAndClaimMany([
            { run_id: c.run.id, claim_token: c.run.claim_token, input: { outcome: 'completed' }, next: { worker: 'w', host: 'h', pid: 7, ttl_seconds: 30, board } },
          ]);
          if (answer?.status !== 'fulfilled') throw new Error('refused');
          return answer.value.next;
        },
      },
    ];
    it.each(claimCalls)('the claimed event of $name is claimedPayload with the attempt', async ({ claim }) => {
      const board = `claim-${++n}`;
      const task = await store.createTask({ title: 'to claim', board });
      // A second attempt: the payload's attempt counts it.
      const first = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, task_id: task.id });
      await store.complete(first!.run.id, first!.run.claim_token, { outcome: 'failed' });
      const next = await claim(board);
      expect(next?.task.id).toBe(task.id);
      const event = (await store.listEvents({ run_id: next!.run.id })).find((e) => e.kind === 'claimed');
      expect(event?.payload).toEqual({ ...claimedPayload(next!.run), attempt: next!.task.attempts });
      expect(next!.task.attempts).toBe(2);
    });

    const outcomes: WorkerOutcome[] = ['completed', 'failed', 'blocked'];
    const completions: { name: string; complete: (c: Claimed, outcome: WorkerOutcome) => Promise<unknown> }[] = [
      { name: 'complete', complete: (c, outcome) => store.complete(c.run.id, c.run.claim_token, { outcome }) },
      {
        name: 'completeAndClaim',
        complete: (c, outcome) => store.completeAndClaim(c.run.id, c.run.claim_token, { outcome }, { worker: 'w', host: 'h', ttl_seconds: 30, board: 'empty' }),
      },
      {
        name: 'completeAndClaimMany',
        complete: (c, outcome) =>
          store.completeAndClaimMany([{ run_id: c.run.id, claim_token: c.run.claim_token, input: { outcome }, next: { worker: 'w', host: 'h', ttl_seconds: 30, board: 'empty' } }]),
      },
    ];
    for (const completion of completions) {
      it.each(outcomes)(`${completion.name} with %s writes the event kind completionEventKind names`, async (outcome) => {
        const c = await claimed();
        await completion.complete(c, outcome);
        const kinds = (await store.listEvents({ run_id: c.run.id })).map((e) => e.kind);
        expect(kinds).toContain(completionEventKind(outcome));
        expect(kinds.filter((k) => k === 'completed' || k === 'run_ended')).toHaveLength(1);
      });
    }
  });
}
