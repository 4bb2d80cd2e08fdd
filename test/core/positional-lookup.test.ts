import { describe, expect, it } from 'vitest';
import { PositionalLookup } from '../../src/core/positional-lookup.js';

describe('PositionalLookup', () => {
  const items = [
    { id: 3, name: 'c' },
    { id: 2, name: 'b' },
    { id: 1, name: 'a' },
  ];

  it('finds an item where it was without reading the others', () => {
    const read: number[] = [];
    const lookup = new PositionalLookup(items, (item) => (read.push(item.id), item.id));
    expect(lookup.at(0, 3)).toBe(items[0]);
    expect(lookup.at(2, 1)).toBe(items[2]);
    expect(read).toEqual([3, 1]);
  });

  it('finds an item that moved, and none for a key it does not hold', () => {
    const lookup = new PositionalLookup(items, (item) => item.id);
    // A new item listed first: every other one is one place further on.
    expect(lookup.at(1, 3)).toBe(items[0]);
    expect(lookup.at(2, 2)).toBe(items[1]);
    expect(lookup.at(3, 1)).toBe(items[2]);
    expect(lookup.at(0, 4)).toBeUndefined();
    expect(lookup.at(7, 9)).toBeUndefined();
  });

  it('looks up by identity when the key is the object itself', () => {
    const entries = items.map((run) => ({ run }));
    const lookup = new PositionalLookup(entries, (entry) => entry.run);
    expect(lookup.at(0, items[2]!)).toBe(entries[2]);
    expect(lookup.at(0, { ...items[0]! })).toBeUndefined();
  });
});
