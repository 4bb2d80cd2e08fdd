import { Type } from 'typebox';
import { INPUT_LIMITS } from '../../../core/input-limits.js';
import { MAX_TASK_BATCH } from '../../../core/task-batch.js';
import { TASK_STATUSES } from '../../../core/types.js';
import { BOARD_PATTERN, JsonObject, JsonValue, NAME_PATTERN, Nullable, RUN_ID_PATTERN, StringEnum, TASK_ID_PATTERN } from './common.js';

export const TaskStatusSchema = StringEnum(TASK_STATUSES);

export const TaskSchema = Type.Object({
  id: Type.String(),
  board: Type.String(),
  title: Type.String(),
  body: Type.String(),
  assignee: Nullable(Type.String()),
  priority: Type.Integer(),
  status: TaskStatusSchema,
  parents: Type.Array(Type.String()),
  max_runtime_seconds: Nullable(Type.Number()),
  max_attempts: Type.Integer(),
  attempts: Type.Integer(),
  created_at: Type.Number(),
  updated_at: Type.Number(),
  current_run_id: Nullable(Type.Integer()),
  result: JsonValue,
});

export const CommentSchema = Type.Object({
  id: Type.Integer(),
  task_id: Type.String(),
  author: Type.String(),
  body: Type.String(),
  created_at: Type.Number(),
});

export const EventRowSchema = Type.Object({
  id: Type.Integer(),
  board: Type.String(),
  task_id: Nullable(Type.String()),
  run_id: Nullable(Type.Integer()),
  kind: Type.String(),
  payload: JsonObject,
  created_at: Type.Number(),
});

const Title = Type.String({ minLength: 1, maxLength: 500 });
const Body = Type.String({ maxLength: 100_000 });
const Assignee = Nullable(Type.String({ pattern: NAME_PATTERN }));
const Priority = Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 });
const Parents = Type.Array(Type.String({ pattern: TASK_ID_PATTERN }), { maxItems: 100, uniqueItems: true });
const MaxRuntime = Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 31_536_000 }));
const MaxAttempts = Type.Integer({ minimum: 1, maximum: 1000 });

export const NewTaskBody = Type.Object(
  {
    title: Title,
    body: Type.Optional(Body),
    assignee: Type.Optional(Assignee),
    priority: Type.Optional(Priority),
    parents: Type.Optional(Parents),
    max_runtime_seconds: Type.Optional(MaxRuntime),
    max_attempts: Type.Optional(MaxAttempts),
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
  },
  { additionalProperties: false },
);

/** A parent of a batch item is a task id or `#n`, the n-th task of the same batch (an earlier one). */
const BatchParents = Type.Array(Type.String({ pattern: `${TASK_ID_PATTERN}|^#(0|[1-9][0-9]{0,3})$` }), {
  maxItems: 100,
  uniqueItems: true,
});

export const NewTaskBatchBody = Type.Object(
  {
    tasks: Type.Array(
      Type.Object(
        {
          title: Title,
          body: Type.Optional(Body),
          assignee: Type.Optional(Assignee),
          priority: Type.Optional(Priority),
          parents: Type.Optional(BatchParents),
          max_runtime_seconds: Type.Optional(MaxRuntime),
          max_attempts: Type.Optional(MaxAttempts),
          board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_TASK_BATCH },
    ),
  },
  { additionalProperties: false },
);

export const TaskPatchBody = Type.Object(
  {
    title: Type.Optional(Title),
    body: Type.Optional(Body),
    assignee: Type.Optional(Assignee),
    priority: Type.Optional(Priority),
    parents: Type.Optional(Parents),
    max_runtime_seconds: Type.Optional(MaxRuntime),
    max_attempts: Type.Optional(MaxAttempts),
    // "running" passes the schema so the answer can say why it is refused: only a claim sets it.
    status: Type.Optional(TaskStatusSchema),
    result: Type.Optional(JsonValue),
  },
  { additionalProperties: false },
);

export const TaskListQuery = Type.Object(
  {
    status: Type.Optional(TaskStatusSchema),
    assignee: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
  },
  { additionalProperties: false },
);

/** The newest page of a task's events by default; events_before pages back through older ones. */
export const DEFAULT_TASK_EVENTS = 200;
export const MAX_TASK_EVENTS = 1000;

export const TaskDetailQuery = Type.Object(
  {
    events_limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `how many events, 1 to ${MAX_TASK_EVENTS}; default ${DEFAULT_TASK_EVENTS}` }),
    ),
    events_before: Type.Optional(
      Type.String({ pattern: RUN_ID_PATTERN, description: 'only events with a smaller id: the events_before_next of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

export const CommentBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: INPUT_LIMITS.comment_chars }) },
  { additionalProperties: false },
);

export const ReclaimBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: INPUT_LIMITS.reason_chars })) },
  { additionalProperties: false },
);

export const BoardViewQuery = Type.Object(
  {
    board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })),
    closed_limit: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,4})$',
        description: 'how many of the most recently updated done (and archived) tasks to show, 0 to 10000; default 200',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BoardResponse = Type.Object({
  columns: Type.Array(Type.Object({ name: TaskStatusSchema, tasks: Type.Array(TaskSchema) })),
  now: Type.Number(),
});
