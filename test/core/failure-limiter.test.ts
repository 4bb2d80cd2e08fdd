import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../src/core/failure-limiter.js';

describe('FailureLimiter', () => {
  it('blocks a key after max failures in its window, until the window ends', () => {
    const limiter = new FailureLimiter(3, 60);
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('a', 100 + i)).toBeNull();
      limiter.record('a', 100 + i);
    }
    expect(limiter.blockedFor('a', 103)).toBe(57);
    expect(limiter.blockedFor('b', 103)).toBeNull();
    expect(limiter.blockedFor('a', 160)).toBeNull();
    limiter.record('a', 160);
    expect(limiter.blockedFor('a', 161)).toBeNull();
  });

  it('keeps at most maxKeys keys, dropping the oldest windows first', () => {
    const limiter = new FailureLimiter(1, 60, 3);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) limiter.record(key, 100 + i);
    expect(limiter.blockedFor('a', 110)).toBeNull();
    expect(limiter.blockedFor('d', 110)).not.toBeNull();
    expect(limiter.blockedFor('b', 110)).not.toBeNull();
  });
});
