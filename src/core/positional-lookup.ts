/**
 * The items of a list found by key, each looked for first at a given position. When a list is matched
 * against the one before it, an item is mostly where it was; the map is built only once one has moved
 * (a new item listed first shifts every other one).
 */
export class PositionalLookup<T, K> {
  private byKey: Map<K, T> | undefined;

  constructor(
    private readonly items: readonly T[],
    private readonly keyOf: (item: T) => K,
  ) {}

  at(index: number, key: K): T | undefined {
    const there = this.items[index];
    if (there !== undefined && this.keyOf(there) === key) return there;
    if (this.byKey === undefined) {
      this.byKey = new Map();
      for (const item of this.items) this.byKey.set(this.keyOf(item), item);
    }
    return this.byKey.get(key);
  }
}
