import { describe, expect, it } from 'vitest';
import { claimNeedsConfirming } from '../../src/core/claim-freshness.js';

describe('claim freshness', () => {
  it('a claim answered within half its lease starts at once; from half the lease on it is confirmed first', () => {
    expect(claimNeedsConfirming(0, 30)).toBe(false);
    expect(claimNeedsConfirming(14_999, 30)).toBe(false);
    expect(claimNeedsConfirming(15_000, 30)).toBe(true);
    expect(claimNeedsConfirming(600_000, 30)).toBe(true);
    expect(claimNeedsConfirming(400, 1)).toBe(false);
    expect(claimNeedsConfirming(500, 1)).toBe(true);
  });

  it('an elapsed time that is not a number (a clock gone wrong) asks for a beat rather than trusting it', () => {
    expect(claimNeedsConfirming(Number.NaN, 30)).toBe(true);
  });
});
