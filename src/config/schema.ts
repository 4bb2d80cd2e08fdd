import { Type } from 'typebox';
import type { Static } from 'typebox';
import { DEFAULT_EVENT_RETENTION } from '../core/event-retention.js';
import type { EventRetention } from '../core/event-retention.js';

/** Worker and profile names travel as bus subject tokens and URL segments. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

const PositiveSeconds = Type.Number({ exclusiveMinimum: 0 });

export const ProfileSchema = Type.Object(
  {
    command: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    lease_ttl_seconds: Type.Optional(PositiveSeconds),
    max_runtime_seconds: Type.Optional(PositiveSeconds),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const OptionalLimit = (description: string) => Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description }));

export const EventRetentionSchema = Type.Object(
  {
    max_age_days: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
    max_events_per_task: OptionalLimit('keep only the newest this many events of each task; null keeps all'),
    interval_seconds: Type.Optional(PositiveSeconds),
  },
  { additionalProperties: false },
);

export const LimitsSchema = Type.Object(
  {
    held_claims_per_token: Type.Optional(Type.Integer({ minimum: 1 })),
    event_streams_per_token: Type.Optional(Type.Integer({ minimum: 1 })),
    request_timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    auth_failures_per_minute: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** The shape of pulseboard.config.json as users write it: every key optional, unknown keys rejected. */
export const ConfigFileSchema = Type.Object(
  {
    heartbeat_interval_seconds: Type.Optional(PositiveSeconds),
    progress_timeout_seconds: Type.Optional(PositiveSeconds),
    workers: Type.Optional(Type.Array(Type.String({ pattern: NAME_PATTERN }), { uniqueItems: true })),
    profiles: Type.Optional(Type.Record(Type.String(), ProfileSchema)),
    max_concurrent_runs: Type.Optional(Type.Integer({ minimum: 1 })),
    event_retention: Type.Optional(EventRetentionSchema),
    limits: Type.Optional(LimitsSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ProfileFile = Static<typeof ProfileSchema>;

/** A profile with its defaults applied. */
export interface ProfileConfig {
  command: string[];
  /** Absolute: resolved against the folder of the configuration file. */
  cwd: string;
  env: Record<string, string>;
  concurrency: number;
  lease_ttl_seconds: number;
  max_runtime_seconds: number | null;
  max_attempts: number;
}

/** The configuration with every default applied. */
export interface PulseboardConfig {
  heartbeat_interval_seconds: number;
  progress_timeout_seconds: number;
  workers: string[];
  profiles: Record<string, ProfileConfig>;
  max_concurrent_runs: number;
  event_retention: EventRetention & { interval_seconds: number };
  limits: { held_claims_per_token: number; event_streams_per_token: number; request_timeout_seconds: number; auth_failures_per_minute: number };
  /** The file it was read from; null when none exists and only defaults apply. */
  source: string | null;
}

export const CONFIG_DEFAULTS = {
  heartbeat_interval_seconds: 30,
  progress_timeout_seconds: 600,
  max_concurrent_runs: 16,
  event_retention: { ...DEFAULT_EVENT_RETENTION, interval_seconds: 300 },
  // A dispatcher host or an SDK pool holds one waiting claim per free slot, all under one token; a
  // dashboard tab holds one stream, and a handful of tabs and a `top` stay well within 16. A client
  // with a wrong token retries a few times; 30 failures a minute from one address is a guesser.
  limits: { held_claims_per_token: 64, event_streams_per_token: 16, request_timeout_seconds: 30, auth_failures_per_minute: 30 },
  profile: {
    concurrency: 1,
    lease_ttl_seconds: 30,
    max_attempts: 3,
  },
} as const;
