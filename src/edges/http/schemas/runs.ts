import { Type } from 'typebox';
import { INPUT_LIMITS } from '../../../core/input-limits.js';
import { OUTCOMES, WORKER_ORIGINS } from '../../../core/types.js';
import { BOARD_PATTERN, JsonObject, NAME_PATTERN, Nullable, StringEnum } from './common.js';
import { TaskSchema, TaskStatusSchema } from './tasks.js';

/** Only a `spawned` process is ever signalled; a `declared` pid is a claimant's word and is stopped by fencing. */
const WorkerOriginSchema = Nullable(StringEnum([...WORKER_ORIGINS]));

const publicRunFields = {
  id: Type.Integer(),
  task_id: Type.String(),
  board: Type.String(),
  profile: Nullable(Type.String()),
  worker: Type.String(),
  host: Type.String(),
  worker_pid: Nullable(Type.Integer()),
  worker_started_at: Nullable(Type.Number()),
  worker_origin: WorkerOriginSchema,
  claim_lock: Type.String(),
  claim_expires: Type.Number(),
  lease_ttl_seconds: Type.Number(),
  last_heartbeat_at: Type.Number(),
  last_progress_at: Nullable(Type.Number()),
  max_runtime_seconds: Nullable(Type.Number()),
  started_at: Type.Number(),
  ended_at: Nullable(Type.Number()),
  outcome: Nullable(Type.Enum([...OUTCOMES])),
  exit_code: Nullable(Type.Integer()),
  summary: Nullable(Type.String()),
  error: Nullable(Type.String()),
  metadata: JsonObject,
  stop_requested_at: Nullable(Type.Number()),
};

/** A run as everyone but its own worker sees it: the serializer drops claim_token because it is not listed. */
export const PublicRunSchema = Type.Object(publicRunFields, { description: 'a run; never carries claim_token' });

/** Only the answer to the claim that created the run carries its fencing token. */
export const ClaimedRunSchema = Type.Object({ ...publicRunFields, claim_token: Type.String() });

const ClaimToken = Type.String({ minLength: 1, maxLength: 512 });

export const ClaimBody = Type.Object(
  {
    worker: Type.String({ pattern: NAME_PATTERN }),
    profile: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    pid: Type.Optional(Type.Integer({ minimum: 1, maximum: 4_194_304 })),
    host: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$' })),
    ttl_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
  },
  { additionalProperties: false },
);

/** The longest a claim may be held open waiting for a task (POST /api/claims wait_seconds). */
export const MAX_CLAIM_WAIT_SECONDS = 30;

/** POST /api/claims alone may wait; a claim sent with a completion (claim_next) answers at once. */
export const ClaimWaitBody = Type.Object(
  {
    ...ClaimBody.properties,
    wait_seconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_CLAIM_WAIT_SECONDS,
        description: 'when nothing is ready, hold the request up to this long until a matching task is; 0 (default) answers at once',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ClaimResponse = Type.Object({ task: TaskSchema, run: ClaimedRunSchema });

export const RunHeartbeatBody = Type.Object(
  {
    claim_token: ClaimToken,
    progress: Type.Optional(Type.Unknown({ description: `any JSON value, at most ${INPUT_LIMITS.progress_bytes} bytes` })),
    note: Type.Optional(Type.String({ maxLength: INPUT_LIMITS.note_chars })),
  },
  { additionalProperties: false },
);

export const RunHeartbeatResponse = Type.Object({ claim_expires: Type.Number() });

export const CompleteBody = Type.Object(
  {
    claim_token: ClaimToken,
    outcome: Type.Enum(['completed', 'failed', 'blocked']),
    summary: Type.Optional(Type.String({ maxLength: INPUT_LIMITS.summary_chars })),
    result: Type.Optional(Type.Unknown({ description: `any JSON value, at most ${INPUT_LIMITS.result_bytes} bytes` })),
    error: Type.Optional(Type.String({ maxLength: INPUT_LIMITS.error_chars })),
    // Claims the next task in the same transaction, as POST /api/claims would; nothing when the completion is refused.
    claim_next: Type.Optional(ClaimBody),
  },
  { additionalProperties: false },
);

export const RunAndTask = Type.Object({ run: PublicRunSchema, task: TaskSchema });

export const CompleteResponse = Type.Object({
  run: PublicRunSchema,
  task: TaskSchema,
  next: Type.Optional(
    Type.Union([ClaimResponse, Type.Null()], {
      description: 'present when claim_next was sent: the claimed task and run, or null when none was ready',
    }),
  ),
});

export const RunResponse = Type.Object({ run: PublicRunSchema });

export const TerminateBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: INPUT_LIMITS.reason_chars })),
    then: Type.Optional(Type.Enum(['requeue', 'block', 'archive'])),
    grace_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 600 })),
  },
  { additionalProperties: false },
);

export const StopResultSchema = Type.Object({
  ok: Type.Boolean(),
  run_id: Type.Integer(),
  task_id: Type.String(),
  terminated: Type.Boolean(),
  signal: Nullable(Type.Enum(['SIGTERM', 'SIGKILL'])),
  // fence: the pid was not ours to signal; the stop reaches the worker on its next heartbeat or completion.
  stopped_by: StringEnum(['signal', 'fence']),
});

export const ReclaimResponse = Type.Object({ ok: Type.Boolean(), task_id: Type.String() });

/** One shape for both answers: the live figures are present only while alive is true. */
export const InspectResponse = Type.Object({
  run_id: Type.Integer(),
  alive: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  pid: Type.Optional(Type.Integer()),
  host: Type.Optional(Type.String()),
  worker_origin: Type.Optional(WorkerOriginSchema),
  cpu_percent: Type.Optional(Type.Number()),
  memory_rss_bytes: Type.Optional(Type.Number()),
  memory_vms_bytes: Type.Optional(Type.Number()),
  num_threads: Type.Optional(Type.Integer()),
  num_fds: Type.Optional(Nullable(Type.Integer())),
  num_fds_read_at: Type.Optional(
    Type.Number({ description: 'when num_fds was counted (epoch seconds): the fd table is counted every 5 to 10 s, the other figures on every request' }),
  ),
  status: Type.Optional(Type.String()),
  create_time: Type.Optional(Type.Number()),
  cmdline: Type.Optional(Type.Array(Type.String())),
});

export const ActiveRunSchema = Type.Object({
  run_id: Type.Integer(),
  task_id: Type.String(),
  task_title: Type.String(),
  task_status: TaskStatusSchema,
  task_assignee: Nullable(Type.String()),
  profile: Nullable(Type.String()),
  worker: Type.String(),
  host: Type.String(),
  worker_pid: Nullable(Type.Integer()),
  worker_started_at: Nullable(Type.Number()),
  worker_origin: WorkerOriginSchema,
  started_at: Type.Number(),
  claim_lock: Type.String(),
  claim_expires: Type.Number(),
  last_heartbeat_at: Type.Number(),
  last_progress_at: Nullable(Type.Number()),
  max_runtime_seconds: Nullable(Type.Number()),
  board: Type.String(),
  state: StringEnum(['healthy', 'stuck', 'lease_expiring', 'over_runtime']),
  process: Type.Optional(InspectResponse),
});

export const InspectManyBody = Type.Object(
  { run_ids: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const InspectManyResponse = Type.Object({
  inspections: Type.Array(InspectResponse, { description: 'one answer per run id, in order; an unknown run answers alive:false, reason "run not found"' }),
  checked_at: Type.Number(),
});

export const ActiveQuery = Type.Object(
  {
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
    inspect: Type.Optional(Type.String({ pattern: '^[01]$', description: 'with 1, each row carries `process`: its inspect answer' })),
  },
  { additionalProperties: false },
);

export const ActiveRunsResponse = Type.Object({
  workers: Type.Array(ActiveRunSchema),
  count: Type.Integer(),
  checked_at: Type.Number(),
});
