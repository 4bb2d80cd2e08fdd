import { describe, expect, it } from 'vitest';
import { constantTimeEquals } from '../../src/core/constant-time.js';
import {
  isBoardSlug,
  isProfileName,
  isTaskId,
  isWorkerName,
  newClaimToken,
  newTaskId,
  newTokenId,
} from '../../src/core/ids.js';

describe('ids', () => {
  it('task ids are t_ + 8 hex and differ', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newTaskId()));
    for (const id of ids) expect(isTaskId(id)).toBe(true);
    expect(ids.size).toBeGreaterThan(95);
  });

  it('claim tokens are 32 random bytes in base64url', () => {
    const token = newClaimToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(newClaimToken()).not.toBe(token);
    expect(newTokenId()).toMatch(/^tok_[0-9a-f]{12}$/);
  });

  it.each([
    ['t_0123abcd', true],
    ['t_0123ABCD', false],
    ['t_0123abc', false],
    ['t_0123abcde', false],
    ['x_0123abcd', false],
    [42, false],
  ])('isTaskId(%j) = %s', (value, expected) => {
    expect(isTaskId(value)).toBe(expected);
  });

  it.each([
    ['default', true],
    ['a', true],
    ['0-ops_x', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['Ops', false],
    ['-ops', false],
    ['my board', false],
    ['a.b', false],
    ['', false],
  ])('isBoardSlug(%j) = %s', (value, expected) => {
    expect(isBoardSlug(value)).toBe(expected);
  });

  it.each([
    ['collector', true],
    ['Worker-1_b', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['has.dot', false],
    ['star*', false],
    ['gt>', false],
    ['space d', false],
    ['_leading', false],
    ['', false],
    [null, false],
  ])('isWorkerName / isProfileName(%j) = %s', (value, expected) => {
    expect(isWorkerName(value)).toBe(expected);
    expect(isProfileName(value)).toBe(expected);
  });

  it('constantTimeEquals is plain equality', () => {
    expect(constantTimeEquals('abc', 'abc')).toBe(true);
    expect(constantTimeEquals('abc', 'abd')).toBe(false);
    expect(constantTimeEquals('abc', 'abcd')).toBe(false);
    expect(constantTimeEquals('', '')).toBe(true);
    expect(constantTimeEquals('', 'a')).toBe(false);
  });
});
