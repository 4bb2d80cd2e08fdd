import { describe, expect, it } from 'vitest';
import { registryStatus } from '../../src/core/registry-status.js';

describe('registryStatus', () => {
  const t0 = 1_700_000_000;

  it('is unknown until a beat was received', () => {
    expect(registryStatus(null, t0, 30)).toBe('unknown');
  });

  it('is ok strictly below three intervals and stale from three intervals on', () => {
    expect(registryStatus(t0, t0, 30)).toBe('ok');
    expect(registryStatus(t0, t0 + 89.999, 30)).toBe('ok');
    expect(registryStatus(t0, t0 + 90, 30)).toBe('stale');
    expect(registryStatus(t0, t0 + 1e6, 30)).toBe('stale');
    expect(registryStatus(t0, t0 + 2.999, 1)).toBe('ok');
    expect(registryStatus(t0, t0 + 3, 1)).toBe('stale');
  });
});
