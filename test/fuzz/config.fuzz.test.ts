import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { fuzzParameters } from './fuzz-settings.js';

const PATH = '/srv/pulseboard.config.json';

/** A configuration of the documented keys with values of any type, so most are nearly right. */
const value = fc.oneof(fc.jsonValue(), fc.integer(), fc.constant(null), fc.string(), fc.array(fc.string()));
const nearConfig = fc.record(
  {
    heartbeat_interval_seconds: value,
    progress_timeout_seconds: value,
    workers: fc.oneof(value, fc.array(fc.string({ maxLength: 70 }))),
    profiles: fc.oneof(value, fc.dictionary(fc.string({ maxLength: 70 }), fc.record({ command: fc.oneof(value, fc.array(fc.string())), concurrency: value }, { requiredKeys: [] }))),
    max_concurrent_runs: value,
    event_retention: fc.oneof(value, fc.record({ max_age_days: value, max_events_per_task: value, interval_seconds: value }, { requiredKeys: [] })),
    limits: fc.oneof(value, fc.record({ held_claims_per_token: value, request_timeout_seconds: value }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

function expectConfigOrConfigError(text: string): void {
  try {
    const config = parseConfig(text, PATH);
    expect(config.source).toBe(PATH);
    expect(config.heartbeat_interval_seconds).toBeGreaterThan(0);
    expect(config.max_concurrent_runs).toBeGreaterThanOrEqual(1);
    for (const profile of Object.values(config.profiles)) expect(profile.command.length).toBeGreaterThan(0);
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(PATH);
  }
}

describe('config loader, property-based: a valid configuration or a ConfigError naming the file, never another error', () => {
  it('arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectConfigOrConfigError), fuzzParameters(1000));
  });

  it('arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (json) => expectConfigOrConfigError(JSON.stringify(json))), fuzzParameters(500));
  });

  it('the documented keys with values of any type', () => {
    fc.assert(fc.property(nearConfig, (config) => expectConfigOrConfigError(JSON.stringify(config))), fuzzParameters(500));
  });
});
