import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readEnvironment } from '../../src/config/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(content: unknown, name = 'pulseboard.config.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function loadError(env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig({ cwd: dir, env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies defaults when there is no file', () => {
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config).toEqual({
      heartbeat_interval_seconds: 30,
      progress_timeout_seconds: 600,
      workers: [],
      profiles: {},
      max_concurrent_runs: 16,
      event_retention: { max_age_days: 30, max_events_per_task: 1000, interval_seconds: 300 },
      limits: { held_claims_per_token: 64, event_streams_per_token: 16, request_timeout_seconds: 30, auth_failures_per_minute: 30 },
      source: null,
    });
  });

  it('reads event retention and limits; null turns a retention limit off', () => {
    writeConfig({ event_retention: { max_age_days: null, max_events_per_task: 50 }, limits: { held_claims_per_token: 4 } });
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.event_retention).toEqual({ max_age_days: null, max_events_per_task: 50, interval_seconds: 300 });
    expect(config.limits).toEqual({ held_claims_per_token: 4, event_streams_per_token: 16, request_timeout_seconds: 30, auth_failures_per_minute: 30 });
    writeConfig({ event_retention: { max_events_per_task: 0, keep: 1 } });
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/event_retention/);
  });

  it('reads the documented example from the working folder and fills profile defaults', () => {
    const path = writeConfig({
      heartbeat_interval_seconds: 5,
      workers: ['collector', 'sniffer'],
      profiles: {
        echo: { command: ['node', 'worker.js'], cwd: 'jobs', env: { A: '1' }, concurrency: 2, max_runtime_seconds: 3600 },
        lean: { command: ['true'] },
      },
      max_concurrent_runs: 4,
    });
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.source).toBe(path);
    expect(config.heartbeat_interval_seconds).toBe(5);
    expect(config.progress_timeout_seconds).toBe(600);
    expect(config.workers).toEqual(['collector', 'sniffer']);
    expect(config.max_concurrent_runs).toBe(4);
    expect(config.profiles['echo']).toEqual({
      command: ['node', 'worker.js'],
      cwd: join(dir, 'jobs'),
      env: { A: '1' },
      concurrency: 2,
      lease_ttl_seconds: 30,
      max_runtime_seconds: 3600,
      max_attempts: 3,
    });
    expect(config.profiles['lean']).toMatchObject({ cwd: dir, env: {}, concurrency: 1, max_runtime_seconds: null });
  });

  it('reads the file PULSEBOARD_CONFIG names, relative to the working folder', () => {
    writeConfig({ progress_timeout_seconds: 42 }, 'other.json');
    expect(loadConfig({ cwd: dir, env: { PULSEBOARD_CONFIG: 'other.json' } }).progress_timeout_seconds).toBe(42);
  });

  it('fails when the file PULSEBOARD_CONFIG names does not exist', () => {
    const err = loadError({ PULSEBOARD_CONFIG: 'missing.json' });
    expect(err.message).toContain(join(dir, 'missing.json'));
    expect(err.message).toContain('no such file');
  });

  it('names the file when it is not JSON', () => {
    const path = writeConfig('{ "workers": [ }');
    const err = loadError();
    expect(err.message).toContain(path);
    expect(err.message).toContain('not valid JSON');
  });

  it('rejects an unknown key at the top level, naming it and the allowed keys', () => {
    writeConfig({ heartbeat_interval_secs: 5 });
    const err = loadError();
    expect(err.message).toContain('heartbeat_interval_secs: unknown key');
    expect(err.message).toContain('allowed: heartbeat_interval_seconds');
  });

  it('rejects a typo inside a profile with its full key path', () => {
    writeConfig({ profiles: { echo: { command: ['x'], concurrancy: 2 } } });
    const err = loadError();
    expect(err.message).toContain('profiles.echo.concurrancy: unknown key');
    expect(err.message).toContain('concurrency');
  });

  it('rejects wrong types and out-of-range values with the key path', () => {
    writeConfig({ heartbeat_interval_seconds: 'often', max_concurrent_runs: 0, profiles: { echo: { command: [] } } });
    const err = loadError();
    expect(err.message).toMatch(/heartbeat_interval_seconds: must be number/);
    expect(err.message).toMatch(/max_concurrent_runs: must be >= 1/);
    expect(err.message).toMatch(/profiles\.echo\.command: must not have fewer than 1 items/);
  });

  it('rejects a profile that has no command', () => {
    writeConfig({ profiles: { echo: { cwd: '.' } } });
    expect(loadError().message).toMatch(/profiles\.echo.*command/);
  });

  it('rejects worker and profile names that cannot be bus subject tokens', () => {
    writeConfig({ workers: ['ok', 'has.dot'] });
    expect(loadError().message).toMatch(/workers\[1\]: must match pattern/);
    writeConfig({ profiles: { 'bad name': { command: ['x'] } } });
    expect(loadError().message).toContain('profiles.bad name: profile name must match');
  });

  it('rejects a top level that is not an object', () => {
    writeConfig('[1, 2]');
    expect(loadError().message).toContain('(top level): must be object');
  });
});

describe('readEnvironment', () => {
  it('has documented defaults', () => {
    expect(readEnvironment({}, dir)).toEqual({
      home: join(dir, '.pulseboard'),
      port: 7420,
      host: '127.0.0.1',
      token: null,
      databaseUrl: null,
      natsUrl: null,
    });
  });

  it('takes every override from the environment', () => {
    const env = readEnvironment(
      {
        PULSEBOARD_HOME: 'data',
        PULSEBOARD_PORT: '0',
        PULSEBOARD_HOST: '0.0.0.0',
        PULSEBOARD_TOKEN: 'secret',
        PULSEBOARD_DATABASE_URL: 'postgres://localhost/db',
        PULSEBOARD_NATS_URL: 'nats://127.0.0.1:4222',
      },
      dir,
    );
    expect(env).toEqual({
      home: join(dir, 'data'),
      port: 0,
      host: '0.0.0.0',
      token: 'secret',
      databaseUrl: 'postgres://localhost/db',
      natsUrl: 'nats://127.0.0.1:4222',
    });
  });

  it('rejects a malformed port and database URL', () => {
    expect(() => readEnvironment({ PULSEBOARD_PORT: 'http' }, dir)).toThrow(/PULSEBOARD_PORT must be a port number/);
    expect(() => readEnvironment({ PULSEBOARD_PORT: '70000' }, dir)).toThrow(ConfigError);
    expect(() => readEnvironment({ PULSEBOARD_DATABASE_URL: 'mysql://x' }, dir)).toThrow(/postgres:\/\//);
  });
});
