import { runActivity } from './run-activity.js';
import { CommitListeners } from '../shared/commit-listeners.js';
import type { RunActivityCounts, RunActivityInput } from '../../../core/run-activity.js';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { validatePruneRequest } from '../../../core/event-retention.js';
import type { PruneRequest } from '../../../core/event-retention.js';
import { isTaskId } from '../../../core/ids.js';
import { pruneInBatches } from '../shared/prune-events.js';
import { execute } from './sql.js';
import type { ActiveRun, ApiToken, Comment, EventRow, Role, Run, Task, TaskStatus } from '../../../core/types.js';
import { systemClock } from '../../../ports/clock.js';
import type { Clock } from '../../../ports/clock.js';
import type { SignalRecord } from '../../../core/events.js';
import type {
  ClaimRequest,
  Claimed,
  CompletedAndClaimed,
  CompleteInput,
  CompletionWithClaim,
  EndRunInput,
  EventFilter,
  HeartbeatInput,
  NewTask,
  ReapResult,
  RunEnded,
  Store,
  TaskFilter,
  TaskPatch,
} from '../../../ports/store.js';
import { claim } from './claim.js';
import { validateClaimRequest } from '../../../core/claim.js';
import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import { fastCompleteAndClaim } from './complete-and-claim.js';
import { fastCompleteAndClaimMany } from './complete-and-claim-many.js';
import type { BatchItem } from './complete-and-claim-many.js';
import type { ReadContext, WriteContext } from './context.js';
import { awaitEventWriters, flushEvents, flushNow, lastEventId, listEvents } from './events.js';
import { migrate } from './migrations.js';
import { listActiveRuns } from './active-runs.js';
import { selectRun } from './run-queries.js';
import { fastComplete } from './fast-complete.js';
import { anythingToReap, reap } from './reap.js';
import {
  complete,
  endRun,
  explainLostLease,
  fastHeartbeat,
  listRuns,
  recordProcess,
  recordSignal,
  requestStop,
  validateComplete,
  validateHeartbeat,
} from './runs.js';
import { addComment, countTasksByStatus, createTask, createTasks, fastCreateTask, listBoards, listComments, listTasks, updateTask } from './tasks.js';
import { listBoardTasks } from './board-tasks.js';
import { validateBoardQuery } from '../../../core/board-columns.js';
import { selectTask } from './task-queries.js';
import { createToken, findTokenByHash, listTokens, revokeRunTokens, revokeToken, touchToken } from './tokens.js';
import { tokenNeedsTouch } from '../../../core/token-use.js';
import { asInputError } from './db-errors.js';
import { isRetryable, retryPause, validSchemaName } from './retry.js';

export interface PostgresStoreOptions {
  connectionString: string;
  clock?: Clock;
  /** Tables live in this schema (created when missing) instead of the connection's default search_path. */
  schema?: string;
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;
const RETRIES = 5;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const schema = options.schema === undefined ? undefined : validSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    // Set at connection start-up, so every pooled connection (and every statement it prepares) resolves tables in the schema.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', (err) => console.error('pulseboard: idle PostgreSQL connection failed:', err.message));
  try {
    const client = await pool.connect();
    try {
      await migrate(client, clock.now(), schema);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresStore(pool, clock);
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly commits = new CommitListeners();
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
  ) {}

  /**
   * One transaction on one pooled connection; the queued events are inserted last and the
   * listeners hear of them after COMMIT. A deadlock or serialization failure rolled everything
   * back, so the whole operation is run again after a short random pause.
   */
  private async write<T>(fn: (ctx: WriteContext) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const ctx: WriteContext = { db: client, now: this.clock.now(), events: [] };
        const value = await fn(ctx);
        const events = [...(ctx.inserted ?? []), ...(await flushEvents(client, ctx.events, ctx.now))];
        await client.query('COMMIT');
        this.commits.notify(events);
        return value;
      } catch (err) {
        broken = await rollback(client);
        if (!isRetryable(err) || attempt >= RETRIES) throw asInputError(err);
      } finally {
        client.release(broken);
      }
      await retryPause(attempt);
    }
  }

  /** A single autocommit statement (the hot paths); retried like write() when PostgreSQL picked it as a deadlock victim. */
  private async statement<T>(fn: (now: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(this.clock.now());
      } catch (err) {
        if (!isRetryable(err) || attempt >= RETRIES) throw asInputError(err);
      }
      await retryPause(attempt);
    }
  }

  private async read<T>(fn: (ctx: ReadContext) => Promise<T>): Promise<T> {
    try {
      return await fn({ db: this.pool, now: this.clock.now() });
    } catch (err) {
      throw asInputError(err);
    }
  }

  /** A read that a cursor relies on: no event id below what it returns may commit after it (see events.ts). */
  private async readEventsInOrder<T>(fn: (ctx: ReadContext) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await awaitEventWriters(client);
      const value = await fn({ db: client, now: this.clock.now() });
      await client.query('COMMIT');
      return value;
    } catch (err) {
      broken = await rollback(client);
      throw asInputError(err);
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async createTask(input: NewTask, actor?: string): Promise<Task> {
    const fast = await this.statement((now) => fastCreateTask(this.pool, input, actor, now));
    if (!fast) return this.write((ctx) => createTask(ctx, input, actor));
    this.commits.notify(fast.events);
    return fast.task;
  }

  createTasks(inputs: NewTask[], actor?: string): Promise<Task[]> {
    return this.write((ctx) => createTasks(ctx, inputs, actor));
  }

  getTask(id: string): Promise<Task | null> {
    if (!isTaskId(id)) return Promise.resolve(null);
    return selectTask(this.pool, id);
  }

  listTasks(filter?: TaskFilter): Promise<Task[]> {
    return this.read((ctx) => listTasks(ctx, filter));
  }

  listBoardTasks(board: string, closedLimit: number): Promise<Task[]> {
    return this.read((ctx) => listBoardTasks(ctx, board, closedLimit));
  }

  /** Other servers and clients commit to the same database unseen, so only a listing can tell. */
  async boardTasksStamp(board: string, closedLimit: number): Promise<string | null> {
    validateBoardQuery(board, closedLimit);
    return null;
  }

  updateTask(id: string, patch: TaskPatch, actor?: string): Promise<Task> {
    return this.write((ctx) => updateTask(ctx, id, patch, actor));
  }

  addComment(taskId: string, author: string, body: string): Promise<Comment> {
    return this.write((ctx) => addComment(ctx, taskId, author, body));
  }

  listComments(taskId: string): Promise<Comment[]> {
    return this.read((ctx) => listComments(ctx, taskId));
  }

  listBoards(): Promise<string[]> {
    return this.read((ctx) => listBoards(ctx));
  }

  async claim(req: ClaimRequest): Promise<Claimed | null> {
    const result = await this.statement((now) => claim(this.pool, req, now));
    if (!result) return null;
    this.commits.notify(result.events);
    return result.claimed;
  }

  async heartbeat(runId: number, claimToken: string, input?: HeartbeatInput): Promise<{ claim_expires: number }> {
    const valid = validateHeartbeat(runId, claimToken, input);
    const result = await this.statement(async (now) => {
      const beat = await fastHeartbeat(this.pool, valid.runId, valid.token, valid.input, now);
      return beat ?? explainLostLease(this.pool, valid.runId, valid.token, now);
    });
    this.commits.notify(result.events);
    return { claim_expires: result.claim_expires };
  }

  async complete(runId: number, claimToken: string, input: CompleteInput): Promise<RunEnded> {
    const valid = validateComplete(runId, claimToken, input);
    const fast = await this.statement((now) => fastComplete(this.pool, valid.runId, valid.token, valid.input, now));
    if (fast) {
      this.commits.notify(fast.events);
      return fast.ended;
    }
    return this.write((ctx) => complete(ctx, valid.runId, valid.token, valid.input));
  }

  async completeAndClaim(runId: number, claimToken: string, input: CompleteInput, next: ClaimRequest): Promise<CompletedAndClaimed> {
    const valid = validateComplete(runId, claimToken, input);
    // Checked before anything changes, so a bad request cannot leave a completion behind alone.
    const req = validateClaimRequest(next);
    const fast = await this.statement((now) => fastCompleteAndClaim(this.pool, valid.runId, valid.token, valid.input, req, now));
    if (fast) {
      this.commits.notify(fast.events);
      return fast.value;
    }
    return this.write(async (ctx) => {
      const ended = await complete(ctx, valid.runId, valid.token, valid.input);
      await flushNow(ctx);
      const claimed = await claim(ctx.db, req, ctx.now);
      if (claimed) ctx.inserted?.push(...claimed.events);
      return { ...ended, next: claimed?.claimed ?? null };
    });
  }

  async completeAndClaimMany(items: readonly CompletionWithClaim[]): Promise<PromiseSettledResult<CompletedAndClaimed>[]> {
    const answers: (PromiseSettledResult<CompletedAndClaimed> | undefined)[] = items.map(() => undefined);
    // The batch statement carries one claim request: the items that share the first batchable one's.
    const batch: { index: number; item: BatchItem }[] = [];
    let shared: { req: ClaimRequest; key: string } | undefined;
    items.forEach((item, index) => {
      try {
        const valid = validateComplete(item.run_id, item.claim_token, item.input);
        const req = validateClaimRequest(item.next);
        if (req.task_id !== undefined) return;
        const key = JSON.stringify(req);
        shared ??= { req, key };
        if (key === shared.key) batch.push({ index, item: valid });
      } catch (err) {
        answers[index] = { status: 'rejected', reason: asInputError(err) };
      }
    });
    if (shared && batch.length > 1) {
      const { req } = shared;
      try {
        const outcome = await this.statement((now) => fastCompleteAndClaimMany(this.pool, batch.map((b) => b.item), req, now));
        this.commits.notify(outcome.events);
        outcome.settled.forEach((value, n) => {
          if (value) answers[batch[n]!.index] = { status: 'fulfilled', value };
        });
      } catch (err) {
        for (const { index } of batch) answers[index] = { status: 'rejected', reason: err };
      }
    }
    // The rest alone: another claim request, a completion the batch statement does not cover, or a refusal to name.
    return Promise.all(
      items.map(async (item, index): Promise<PromiseSettledResult<CompletedAndClaimed>> => {
        const known = answers[index];
        if (known) return known;
        try {
          return { status: 'fulfilled', value: await this.completeAndClaim(item.run_id, item.claim_token, item.input, item.next) };
        } catch (reason) {
          return { status: 'rejected', reason };
        }
      }),
    );
  }

  recordProcess(runId: number, proc: { pid: number; worker_started_at: number | null; host?: string }): Promise<Run> {
    return this.write((ctx) => recordProcess(ctx, runId, proc));
  }

  recordSignal(record: SignalRecord): Promise<void> {
    return this.write((ctx) => recordSignal(ctx, record));
  }

  requestStop(runId: number, by: { actor?: string; reason?: string }): Promise<Run> {
    return this.write((ctx) => requestStop(ctx, runId, by));
  }

  endRun(runId: number, input: EndRunInput): Promise<RunEnded> {
    return this.write((ctx) => endRun(ctx, runId, input));
  }

  async reap(): Promise<ReapResult> {
    if (!(await anythingToReap(this.pool, this.clock.now()))) return { reclaimed: [], timed_out: [] };
    return this.write((ctx) => reap(ctx));
  }

  getRun(id: number): Promise<Run | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return Promise.resolve(null);
    return selectRun(this.pool, id);
  }

  listRuns(taskId: string): Promise<Run[]> {
    return this.read((ctx) => listRuns(ctx, taskId));
  }

  listActiveRuns(filter?: { board?: string; progress_timeout_seconds?: number }, previous?: readonly ActiveRun[]): Promise<ActiveRun[]> {
    return this.read((ctx) => listActiveRuns(ctx, filter, previous));
  }

  /** Other servers and clients commit to the same database unseen, so only a listing can tell. */
  async activeRunsStamp(filter?: { board?: string; progress_timeout_seconds?: number }): Promise<string | null> {
    validateActiveRunFilter(filter);
    return null;
  }

  listEvents(filter?: EventFilter): Promise<EventRow[]> {
    if (filter?.after_id === undefined) return this.read((ctx) => listEvents(ctx, filter));
    return this.readEventsInOrder((ctx) => listEvents(ctx, filter));
  }

  async pruneEvents(request: PruneRequest): Promise<{ deleted: number; checked_to_id: number }> {
    const valid = validatePruneRequest(request);
    return pruneInBatches(valid, (n) => `$${n}`, {
      deleteBatch: (sql, params) => this.statement(() => execute(this.pool, sql, params)),
      lastEventId: () => this.lastEventId(),
    });
  }

  /** Where a new reader starts its cursor, so it is read in order like a page after a cursor. */
  lastEventId(): Promise<number> {
    return this.readEventsInOrder((ctx) => lastEventId(ctx));
  }

  onCommit(listener: (events: EventRow[]) => void): () => void {
    return this.commits.add(listener);
  }

  runActivity(input: RunActivityInput): Promise<RunActivityCounts> {
    return this.read((ctx) => runActivity(ctx, input));
  }

  countTasksByStatus(board?: string): Promise<Record<TaskStatus, number>> {
    return this.read((ctx) => countTasksByStatus(ctx, board));
  }

  createToken(input: { role: Role; name: string; secret_hash: string; run_id?: number | null }): Promise<ApiToken> {
    return this.statement((now) => createToken(this.pool, input, now));
  }

  async findTokenByHash(secretHash: string): Promise<ApiToken | null> {
    const token = await this.read((ctx) => findTokenByHash(ctx, secretHash));
    if (token && tokenNeedsTouch(token, this.clock.now())) {
      await this.statement((now) => touchToken(this.pool, token.id, now));
    }
    return token;
  }

  listTokens(): Promise<ApiToken[]> {
    return this.read((ctx) => listTokens(ctx));
  }

  revokeToken(id: string): Promise<boolean> {
    return this.statement(() => revokeToken(this.pool, id));
  }

  revokeRunTokens(runId: number): Promise<number> {
    return this.statement(() => revokeRunTokens(this.pool, runId));
  }
}

/** Returns the error when the connection cannot even roll back, so the pool discards it. */
async function rollback(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
