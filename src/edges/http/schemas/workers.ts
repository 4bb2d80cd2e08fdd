import { Type } from 'typebox';
import { JsonObject, NAME_PATTERN, Nullable } from './common.js';

export const RegistryRowSchema = Type.Object({
  name: Type.String(),
  status: Type.Enum(['ok', 'stale', 'unknown']),
  last_heartbeat_ts: Nullable(Type.Number()),
  seconds_since: Nullable(Type.Number()),
  extra: JsonObject,
  host: Nullable(Type.String()),
  pid: Nullable(Type.Integer()),
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

export const HealthBeatAccepted = Type.Object({
  accepted: Type.Boolean(),
  control: Nullable(Type.Object({ action: Type.Enum(['stop']) })),
});

export const StopAccepted = Type.Object({
  accepted: Type.Boolean(),
  worker: Type.String(),
  action: Type.Enum(['stop']),
});
