import { runActivity } from './run-activity.js';
import { CommitListeners } from '../shared/commit-listeners.js';
import type { RunActivityCounts, RunActivityInput } from '../../../core/run-activity.js';
import Database from 'better-sqlite3';
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
import type { ActiveRun, ApiToken, Comment, EventRow, Role, Run, Task, TaskStatus } from '../../../core/types.js';
import { validatePruneRequest } from '../../../core/event-retention.js';
import type { PruneRequest } from '../../../core/event-retention.js';
import { isTaskId } from '../../../core/ids.js';
import { tokenNeedsTouch } from '../../../core/token-use.js';
import { pruneInBatches } from '../shared/prune-events.js';
import { claim } from './claim.js';
import { validateClaimRequest } from '../../../core/claim.js';
import type { ReadContext, WriteContext } from './context.js';
import { lastEventId, listEvents } from './events.js';
import { migrate } from './migrations.js';
import { activeRunsStamp, isActiveRunsKey, listActiveRuns, renewedRows } from './active-runs.js';
import type { ActiveRunRow } from '../shared/active-run.js';
import { complete, endRun, heartbeat, listRuns, recordProcess, recordSignal, requestStop } from './runs.js';
import { reap } from './reap.js';
import { selectRun } from './run-queries.js';
import { ReadCache } from './read-cache.js';
import { Statements } from './statements.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import { addComment, countTasksByStatus, createTask, createTasks, listComments, listTasks, updateTask } from './tasks.js';
import { boardTasksStamp, listBoardTasks } from './board-tasks.js';
import { selectTask } from './task-queries.js';
import {
  createToken,
  findTokenByHash,
  listTokens,
  hasRunTokens,
  revokeRunTokens,
  revokeToken,
  touchToken,
} from './tokens.js';

export interface SqliteStoreOptions {
  path: string;
  clock?: Clock;
  busyTimeoutMs?: number;
  /** Told when the background checkpointer fails (checkpoints then run inline again). */
  onError?: (message: string) => void;
}

const BUSY_RETRIES = 5;

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const db = new Database(options.path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, clock.now());
  } catch (err) {
    db.close();
    throw err;
  }
  const checkpointer = BackgroundCheckpointer.start(db, options.path, options.onError ?? ((message) => console.warn(`pulseboard sqlite: ${message}`)));
  return new SqliteStore(db, clock, checkpointer);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly q: Statements;
  private readonly cache: ReadCache;
  private readonly commits = new CommitListeners();
  /**
   * The driver's transaction wrappers, made once: `db.transaction(fn)` builds four wrapped functions
   * and their properties per call, and a listing request makes a read (its stamp) every time.
   */
  private readonly inImmediate: <T>(fn: (ctx: WriteContext) => T, ctx: WriteContext) => T;
  private readonly inDeferred: <T>(fn: (ctx: ReadContext) => T, ctx: ReadContext) => T;
  /** A savepoint inside the running transaction (the driver nests a transaction function so). */
  private readonly inSavepoint: <T>(fn: () => T) => T;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly checkpointer: BackgroundCheckpointer | null,
  ) {
    this.q = new Statements(db);
    this.cache = new ReadCache(db);
    const run = db.transaction((fn: (ctx: never) => unknown, ctx: never) => fn(ctx));
    this.inImmediate = run.immediate as typeof this.inImmediate;
    this.inDeferred = run.deferred as typeof this.inDeferred;
    this.inSavepoint = db.transaction((fn: () => unknown) => fn()) as typeof this.inSavepoint;
  }

  /**
   * One BEGIN IMMEDIATE transaction: concurrent processes queue on the write lock at BEGIN (with
   * busy_timeout) instead of failing halfway. SQLITE_BUSY that still escapes is retried after a
   * short random pause so that competing processes do not retry in lockstep.
   */
  private async write<T>(fn: (ctx: WriteContext) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const ctx: WriteContext = { q: this.q, now: this.clock.now(), events: [] };
      try {
        const value = this.inImmediate(fn, ctx);
        this.commits.notify(ctx.events);
        return value;
      } catch (err) {
        if (!isBusy(err) || attempt >= BUSY_RETRIES) throw err;
        await sleep(5 + Math.random() * 20 * (attempt + 1));
      }
    }
  }

  private async read<T>(fn: (ctx: ReadContext) => T): Promise<T> {
    const ctx: ReadContext = { q: this.q, now: this.clock.now() };
    return this.inDeferred(fn, ctx);
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  createTask(input: NewTask, actor?: string): Promise<Task> {
    return this.write((ctx) => createTask(ctx, input, actor));
  }

  createTasks(inputs: NewTask[], actor?: string): Promise<Task[]> {
    return this.write((ctx) => createTasks(ctx, inputs, actor));
  }

  getTask(id: string): Promise<Task | null> {
    if (!isTaskId(id)) return Promise.resolve(null);
    return this.read((ctx) => selectTask(ctx.q, id));
  }

  listTasks(filter?: TaskFilter): Promise<Task[]> {
    return this.read((ctx) => listTasks(ctx, filter));
  }

  listBoardTasks(board: string, closedLimit: number): Promise<Task[]> {
    return this.read((ctx) => listBoardTasks(ctx, this.cache, board, closedLimit));
  }

  boardTasksStamp(board: string, closedLimit: number): Promise<string | null> {
    return this.read((ctx) => boardTasksStamp(ctx, this.cache, board, closedLimit));
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
    return this.read((ctx) => ctx.q.all<{ slug: string }>('SELECT slug FROM boards ORDER BY slug').map((r) => r.slug));
  }

  claim(req: ClaimRequest): Promise<Claimed | null> {
    return this.write((ctx) => claim(ctx, req));
  }

  /**
   * A lease renewal is the most frequent write of a busy fleet and changes one listing row: the
   * cached active-run rows are updated in place rather than re-read (see ReadCache.carry).
   */
  async heartbeat(runId: number, claimToken: string, input?: HeartbeatInput): Promise<{ claim_expires: number }> {
    const before = this.cache.mark();
    const progressed = input?.progress !== undefined || input?.note !== undefined;
    const renewal = await this.write((ctx) => heartbeat(ctx, runId, claimToken, input));
    // A plain renewal updates the run's row; one with progress also writes its event row.
    this.cache.carry(before, progressed ? 2 : 1, (key, rows) =>
      isActiveRunsKey(key) ? renewedRows(rows as ActiveRunRow[], runId, renewal) : rows,
    );
    return { claim_expires: renewal.claim_expires };
  }

  complete(runId: number, claimToken: string, input: CompleteInput): Promise<RunEnded> {
    return this.write((ctx) => complete(ctx, runId, claimToken, input));
  }

  async completeAndClaim(runId: number, claimToken: string, input: CompleteInput, next: ClaimRequest): Promise<CompletedAndClaimed> {
    // The claim request is checked before anything changes, so a bad one cannot leave a completion behind alone.
    const req = validateClaimRequest(next);
    return this.write((ctx) => {
      const ended = complete(ctx, runId, claimToken, input);
      return { ...ended, next: claim(ctx, req) };
    });
  }

  /**
   * One transaction for the lot; each item inside its own savepoint, so a refused item rolls back
   * alone (its event rows with it) and the others commit.
   */
  completeAndClaimMany(items: readonly CompletionWithClaim[]): Promise<PromiseSettledResult<CompletedAndClaimed>[]> {
    return this.write((ctx) =>
      items.map((item): PromiseSettledResult<CompletedAndClaimed> => {
        const eventsBefore = ctx.events.length;
        try {
          const value = this.inSavepoint(() => {
            const req = validateClaimRequest(item.next);
            const ended = complete(ctx, item.run_id, item.claim_token, item.input);
            return { ...ended, next: claim(ctx, req) };
          });
          return { status: 'fulfilled', value };
        } catch (reason) {
          ctx.events.length = eventsBefore;
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

  reap(): Promise<ReapResult> {
    return this.write((ctx) => reap(ctx));
  }

  getRun(id: number): Promise<Run | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return Promise.resolve(null);
    return this.read((ctx) => selectRun(ctx.q, id));
  }

  listRuns(taskId: string): Promise<Run[]> {
    return this.read((ctx) => listRuns(ctx, taskId));
  }

  listActiveRuns(filter?: { board?: string; progress_timeout_seconds?: number }, previous?: readonly ActiveRun[]): Promise<ActiveRun[]> {
    return this.read((ctx) => listActiveRuns(ctx, this.cache, filter, previous));
  }

  activeRunsStamp(filter?: { board?: string; progress_timeout_seconds?: number }): Promise<string | null> {
    return this.read((ctx) => activeRunsStamp(ctx, this.cache, filter));
  }

  listEvents(filter?: EventFilter): Promise<EventRow[]> {
    return this.read((ctx) => listEvents(ctx, filter));
  }

  async pruneEvents(request: PruneRequest): Promise<{ deleted: number; checked_to_id: number }> {
    const valid = validatePruneRequest(request);
    // Named, since a statement may use its parameters in another order than they are passed.
    return pruneInBatches(valid, (n) => `@p${n}`, {
      deleteBatch: (sql, params) => this.write((ctx) => ctx.q.run(sql, Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]))).changes),
      lastEventId: () => this.lastEventId(),
    });
  }

  lastEventId(): Promise<number> {
    return this.read((ctx) => lastEventId(ctx));
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
    return this.write((ctx) => createToken(ctx, input));
  }

  async findTokenByHash(secretHash: string): Promise<ApiToken | null> {
    const token = await this.read((ctx) => findTokenByHash(ctx, secretHash));
    if (token && tokenNeedsTouch(token, this.clock.now())) {
      await this.write((ctx) => touchToken(ctx, token.id));
    }
    return token;
  }

  listTokens(): Promise<ApiToken[]> {
    return this.read((ctx) => listTokens(ctx));
  }

  revokeToken(id: string): Promise<boolean> {
    return this.write((ctx) => revokeToken(ctx, id));
  }

  /**
   * Called for every completion over HTTP, while only dispatched runs have tokens of their own: a read
   * settles the others without taking the write lock. A run's tokens are made before its process
   * starts, so none can appear after it ended.
   */
  async revokeRunTokens(runId: number): Promise<number> {
    if (!(await this.read((ctx) => hasRunTokens(ctx, runId)))) return 0;
    return this.write((ctx) => revokeRunTokens(ctx, runId));
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
