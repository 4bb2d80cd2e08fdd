import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import stripJsonComments from 'strip-json-comments';
import { ConfigError } from './config-error.js';
import { describeSchemaErrors } from './describe-errors.js';
import { CONFIG_DEFAULTS, ConfigFileSchema, NAME_PATTERN } from './schema.js';
import type { ConfigFile, ProfileConfig, ProfileFile, PulseboardConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'pulseboard.config.json';

export interface LoadConfigOptions {
  cwd?: string;
  /** PULSEBOARD_CONFIG names the file; without it ./pulseboard.config.json is used if it exists. */
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(opts: LoadConfigOptions = {}): PulseboardConfig {
  const cwd = opts.cwd ?? process.cwd();
  const named = opts.env?.['PULSEBOARD_CONFIG'];
  const path = resolve(cwd, named && named.length > 0 ? named : DEFAULT_CONFIG_FILE);
  const text = readConfigText(path, named !== undefined && named.length > 0);
  if (text === null) return applyDefaults({}, null, cwd);
  return parseConfig(text, path);
}

/** Validates the text of a configuration file; `path` names it in errors and anchors relative cwds. */
export function parseConfig(text: string, path: string): PulseboardConfig {
  let raw: unknown;
  try {
    // Comments are allowed (pulseboard init writes a commented file); positions stay where they were.
    raw = JSON.parse(stripJsonComments(text, { trailingCommas: true }));
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const faults = describeSchemaErrors(ConfigFileSchema, raw);
  const file = raw as ConfigFile;
  if (faults.length === 0) faults.push(...profileNameFaults(file));
  if (faults.length > 0) {
    throw new ConfigError(`invalid configuration in ${path}:\n  ${faults.join('\n  ')}`);
  }
  return applyDefaults(file, path, dirname(path));
}

function readConfigText(path: string, required: boolean): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(`cannot read configuration ${path} (named by PULSEBOARD_CONFIG): ${why}`);
  }
}

function profileNameFaults(file: ConfigFile): string[] {
  const pattern = new RegExp(NAME_PATTERN);
  return Object.keys(file.profiles ?? {})
    .filter((name) => !pattern.test(name))
    .map((name) => `profiles.${name}: profile name must match ${NAME_PATTERN}`);
}

function applyDefaults(file: ConfigFile, source: string | null, baseDir: string): PulseboardConfig {
  const profiles: Record<string, ProfileConfig> = {};
  for (const [name, profile] of Object.entries(file.profiles ?? {})) {
    profiles[name] = profileWithDefaults(profile, baseDir);
  }
  return {
    heartbeat_interval_seconds: file.heartbeat_interval_seconds ?? CONFIG_DEFAULTS.heartbeat_interval_seconds,
    progress_timeout_seconds: file.progress_timeout_seconds ?? CONFIG_DEFAULTS.progress_timeout_seconds,
    workers: [...(file.workers ?? [])],
    profiles,
    max_concurrent_runs: file.max_concurrent_runs ?? CONFIG_DEFAULTS.max_concurrent_runs,
    event_retention: { ...CONFIG_DEFAULTS.event_retention, ...file.event_retention },
    limits: { ...CONFIG_DEFAULTS.limits, ...file.limits },
    source,
  };
}

function profileWithDefaults(profile: ProfileFile, baseDir: string): ProfileConfig {
  return {
    command: [...profile.command],
    cwd: resolve(baseDir, profile.cwd ?? '.'),
    env: { ...(profile.env ?? {}) },
    concurrency: profile.concurrency ?? CONFIG_DEFAULTS.profile.concurrency,
    lease_ttl_seconds: profile.lease_ttl_seconds ?? CONFIG_DEFAULTS.profile.lease_ttl_seconds,
    max_runtime_seconds: profile.max_runtime_seconds ?? null,
    max_attempts: profile.max_attempts ?? CONFIG_DEFAULTS.profile.max_attempts,
  };
}
