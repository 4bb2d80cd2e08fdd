import type { PruneRequest } from '../core/event-retention.js';
import type { RunActivityCounts, RunActivityInput } from '../core/run-activity.js';
import type {
  ActiveRun,
  ApiToken,
  Comment,
  EventRow,
  Role,
  Run,
  Task,
  TaskStatus,
} from '../core/types.js';
import type { ClaimRequest } from '../core/claim.js';
import type { SignalRecord } from '../core/events.js';
import type { EventFilter } from '../core/event-filter.js';
import type { CompleteInput, EndRunInput, HeartbeatInput } from '../core/run-input.js';
import type { NewTask, TaskFilter, TaskPatch } from '../core/task-input.js';

export type { ClaimRequest, CompleteInput, EventFilter, EndRunInput, HeartbeatInput, NewTask, TaskFilter, TaskPatch };

/**
 * The store port. Every method is one transaction: it either applies fully, writing its event rows
 * in the same transaction, or throws a typed error (core/errors.ts) and changes nothing.
 * Async so the SQLite and PostgreSQL adapters share one contract.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  close(): Promise<void>;

  createTask(input: NewTask, actor?: string): Promise<Task>;
  /**
   * All or nothing: every task of the batch in one transaction, in order, or none. A parent is an
   * existing task id or `#n`, the n-th task of this batch (0-based, earlier in the batch).
   * At most MAX_TASK_BATCH (core/task-batch.ts) tasks.
   */
  createTasks(inputs: NewTask[], actor?: string): Promise<Task[]>;
  getTask(id: string): Promise<Task | null>;
  listTasks(filter?: TaskFilter): Promise<Task[]>;
  /**
   * What a board shows, in one query: every task of the open columns (triage to blocked), and of done and
   * of archived only the `closedLimit` most recently updated (0 to 10000). Order is the caller's.
   */
  listBoardTasks(board: string, closedLimit: number): Promise<Task[]>;
  /**
   * A stamp of what listBoardTasks(board, closedLimit) answers now: two equal stamps mean equal
   * answers, whoever committed in between. Null when the store cannot tell cheaply; then only a
   * listing shows what changed. Refuses what listBoardTasks refuses.
   */
  boardTasksStamp(board: string, closedLimit: number): Promise<string | null>;
  /** Throws ConflictError for a status or assignee change of a running task: stop its run first (services/run-control). */
  updateTask(id: string, patch: TaskPatch, actor?: string): Promise<Task>;
  addComment(taskId: string, author: string, body: string): Promise<Comment>;
  listComments(taskId: string): Promise<Comment[]>;
  listBoards(): Promise<string[]>;

  /** Atomically takes the highest-priority, oldest ready task matching the request; null when none. */
  claim(req: ClaimRequest): Promise<Claimed | null>;
  /** Extends the lease of that run only; LeaseLostError on a wrong token or an ended/stopping run. */
  heartbeat(runId: number, claimToken: string, input?: HeartbeatInput): Promise<{ claim_expires: number }>;
  /** Fenced like heartbeat. */
  complete(runId: number, claimToken: string, input: CompleteInput): Promise<RunEnded>;
  /**
   * complete, then claim, in one transaction: a worker's steady state costs one commit per task.
   * The completion is fenced and settled exactly like complete; when it is refused (LeaseLostError,
   * ...) nothing is claimed. `next` is null when no task was ready.
   */
  completeAndClaim(runId: number, claimToken: string, input: CompleteInput, next: ClaimRequest): Promise<CompletedAndClaimed>;
  /**
   * completeAndClaim for several runs that ended together (a worker pool's slots, the requests a
   * server received in one tick), sharing commits: answer i is item i's, settled exactly as
   * completeAndClaim would settle it alone, refusals included (LeaseLostError, InvalidInputError);
   * one item's refusal changes nothing for the others. The accepted items get the next ready tasks
   * in item order, the highest-priority task to the first.
   */
  completeAndClaimMany(items: readonly CompletionWithClaim[]): Promise<PromiseSettledResult<CompletedAndClaimed>[]>;
  /** Records the worker process of a live run (the dispatcher after spawn). */
  recordProcess(runId: number, proc: { pid: number; worker_started_at: number | null; host?: string }): Promise<Run>;
  /**
   * Writes the `signal_sent` or `signal_refused` event of a signal asked for a run's process (ended
   * runs too: the reaper signals after the run closed); NotFoundError for an unknown run.
   */
  recordSignal(record: SignalRecord): Promise<void>;
  /** Fences the run's token off before its process is signalled; ConflictError "run N already ended". */
  requestStop(runId: number, by: { actor?: string; reason?: string }): Promise<Run>;
  /** Closes a live run and moves its task; ConflictError "run N already ended". */
  endRun(runId: number, input: EndRunInput): Promise<RunEnded>;
  /** Expired leases → reclaimed; runs past their max runtime → timed_out. */
  reap(): Promise<ReapResult>;
  getRun(id: number): Promise<Run | null>;
  listRuns(taskId: string): Promise<Run[]>;
  /**
   * All live runs (one query), newest first, with the state column computed by the core, as fresh
   * objects on every call (services/active-run-view.ts memoises them for the edges). But a run of
   * `previous`, an earlier answer the caller kept, whose fields and state are all as now is answered
   * as that same object: the store keeps nothing of it, and a caller comparing listings compares by
   * identity.
   */
  listActiveRuns(filter?: { board?: string; progress_timeout_seconds?: number }, previous?: readonly ActiveRun[]): Promise<ActiveRun[]>;
  /**
   * A stamp of what listActiveRuns(filter) answers now: two equal stamps mean equal listings (the same
   * runs, fields and states), whoever committed in between. Null when the store cannot tell cheaply;
   * then only a listing shows what changed.
   */
  activeRunsStamp(filter?: { board?: string; progress_timeout_seconds?: number }): Promise<string | null>;

  listEvents(filter?: EventFilter): Promise<EventRow[]>;
  /**
   * Deletes event rows the retention no longer keeps, in batches of their own transactions; tasks and
   * runs stay. checked_to_id: pass it as the next request's tasks_after_id.
   */
  pruneEvents(request: PruneRequest): Promise<{ deleted: number; checked_to_id: number }>;
  lastEventId(): Promise<number>;
  /** Called after each commit with the event rows it wrote, in id order. */
  onCommit(listener: (events: EventRow[]) => void): () => void;

  countTasksByStatus(board?: string): Promise<Record<TaskStatus, number>>;
  /** Run starts and ends per bucket of `bucket_seconds` from `since` on, for the dashboard's overview. */
  runActivity(input: RunActivityInput): Promise<RunActivityCounts>;

  createToken(input: { role: Role; name: string; secret_hash: string; run_id?: number | null }): Promise<ApiToken>;
  findTokenByHash(secretHash: string): Promise<ApiToken | null>;
  listTokens(): Promise<ApiToken[]>;
  revokeToken(id: string): Promise<boolean>;
  /** Revokes the per-run tokens of a run once it ends. */
  revokeRunTokens(runId: number): Promise<number>;
}

export interface Claimed {
  task: Task;
  run: Run;
}

export interface RunEnded {
  run: Run;
  task: Task;
}

export interface CompletedAndClaimed extends RunEnded {
  next: Claimed | null;
}

/** One worker's completion and the claim to make with it, as completeAndClaim takes them. */
export interface CompletionWithClaim {
  run_id: number;
  claim_token: string;
  input: CompleteInput;
  next: ClaimRequest;
}

export interface ReapResult {
  reclaimed: RunEnded[];
  timed_out: RunEnded[];
}
