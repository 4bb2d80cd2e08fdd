import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';

export const TASK_ID_PATTERN = '^t_[0-9a-f]{8}$';
/** No sign, no fraction, no leading zero; the upper bound (2^53) is checked when parsed. */
export const RUN_ID_PATTERN = '^[1-9][0-9]{0,15}$';
export const BOARD_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
/** Worker and profile names become bus subject tokens. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
export const EVENT_ID_PATTERN = '^(0|[1-9][0-9]{0,15})$';

/** A value that misses one of these patterns is refused in these words, at the API and in the CLI alike. */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  [TASK_ID_PATTERN]: 'not a task id (expected t_ and 8 hex digits)',
  [RUN_ID_PATTERN]: 'not a run id (expected a positive integer)',
  [BOARD_PATTERN]: 'not a board name (expected up to 64 lower-case letters, digits, _ or -, starting with a letter or digit)',
  [NAME_PATTERN]: 'not a worker or profile name (expected up to 64 letters, digits, _ or -, starting with a letter or digit)',
  [EVENT_ID_PATTERN]: 'not an event id (expected a non-negative integer)',
};

export const ID_WORDS = {
  task: PATTERN_WORDS[TASK_ID_PATTERN] as string,
  run: PATTERN_WORDS[RUN_ID_PATTERN] as string,
  board: PATTERN_WORDS[BOARD_PATTERN] as string,
  name: PATTERN_WORDS[NAME_PATTERN] as string,
};

const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * A primitive becomes `{type, nullable: true}` (Ajv and fast-json-stringify check it by type; an anyOf
 * makes fast-json-stringify run a validator on every value it writes, a cost per field per row in
 * large listings); enums and objects keep the anyOf, since `nullable` would not admit null to an enum.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const raw = schema as unknown as { type?: unknown; enum?: unknown };
  if (typeof raw.type === 'string' && PRIMITIVE_TYPES.has(raw.type) && raw.enum === undefined) {
    return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
  }
  return Type.Union([schema, Type.Null()]);
}

/** A string enum that says it is a string, so fast-json-stringify writes it as one without inspecting it. */
export function StringEnum<const V extends string[]>(values: readonly [...V]) {
  return Type.Enum<V>(values, { type: 'string' });
}

export const JsonValue = Type.Unknown({ description: 'any JSON value' });
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const ErrorBody = Type.Object({ detail: Type.String() }, { description: 'what went wrong' });

/** Response entries for the error statuses a route can answer, so the OpenAPI document lists them. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

export const TaskIdParams = Type.Object(
  { id: Type.String({ pattern: TASK_ID_PATTERN, description: 't_ + 8 hex' }) },
  { additionalProperties: false },
);

export const RunIdParams = Type.Object(
  { id: Type.String({ pattern: RUN_ID_PATTERN, description: 'a positive integer' }) },
  { additionalProperties: false },
);

export const WorkerNameParams = Type.Object(
  { name: Type.String({ pattern: NAME_PATTERN }) },
  { additionalProperties: false },
);

export const BoardQuery = Type.Object(
  { board: Type.Optional(Type.String({ pattern: BOARD_PATTERN })) },
  { additionalProperties: false },
);

/** For actions that take no input: an empty request or {}; any field is a mistake worth a 400. */
export const EmptyBody = Type.Object({}, { additionalProperties: false });
