import { Type } from 'typebox';
import { JsonObject, NAME_PATTERN, Nullable, StringEnum } from './common.js';

export const RegistryRowSchema = Type.Object({
  name: Type.String(),
  status: Type.Enum(['ok', 'stale', 'unknown']),
  last_heartbeat_ts: Nullable(Type.Number()),
  seconds_since: Nullable(Type.Number()),
  extra: JsonObject,
  host: Nullable(Type.String()),
  pid: Nullable(Type.Integer()),
  uptime_s: Nullable(Type.Number()),
});

export const WorkersResponse = Type.Object({
  workers: Type.Array(RegistryRowSchema),
  generated_at: Type.Number(),
  bus_connected: Type.Boolean(),
});

/** The extra fields are the point of a health beat, so this is the one body that accepts any field. */
export const HealthBeatBody = Type.Object(
  { name: Type.String({ pattern: NAME_PATTERN }) },
  { additionalProperties: true, maxProperties: 256 },
);

/** More beats per request than this is a mistake, not a fleet: a client splits them. */
export const MAX_HEARTBEAT_BATCH = 1000;

/** Many workers' beats in one request (a sidecar or agent speaking for a fleet); all are taken or none. */
export const HealthBeatBatchBody = Type.Object(
  { beats: Type.Array(HealthBeatBody, { minItems: 1, maxItems: MAX_HEARTBEAT_BATCH }) },
  { additionalProperties: false },
);

export const HealthBeatBatchAccepted = Type.Object({
  accepted: Type.Integer({ description: 'how many beats were recorded: all of them' }),
  controls: Type.Array(Type.Object({ worker: Type.String(), action: StringEnum(['stop']) }), {
    description: 'the pending stop requests of the workers named in the batch',
  }),
});

export const HealthBeatAccepted = Type.Object({
  accepted: Type.Boolean(),
  control: Nullable(Type.Object({ action: Type.Enum(['stop']) })),
  heartbeat_interval_seconds: Type.Number({ description: 'how often this server expects a beat; ok lasts 3 intervals' }),
});

export const StopAccepted = Type.Object({
  accepted: Type.Boolean(),
  worker: Type.String(),
  action: Type.Enum(['stop']),
});
