/**
 * A statement's numbered parameters ($1, $2, ...) allocated from a list of names: the SQL writes
 * `${p.$.now}` and the values are laid out from the same list, so no number is written by hand and
 * a name the SQL uses but the values lack (or the other way round) does not compile.
 */
export interface Params<N extends string> {
  /** The placeholder of each name. */
  readonly $: { readonly [K in N]: string };
  /** How many parameters the list holds: the offset of a list that follows this one. */
  readonly count: number;
  /** The values in placeholder order. */
  values(values: { readonly [K in N]: unknown }): unknown[];
}

export function params<const N extends string>(names: readonly N[], offset = 0): Params<N> {
  const $ = {} as { [K in N]: string };
  names.forEach((name, i) => {
    if (name in $) throw new Error(`parameter ${name} named twice`);
    $[name] = `$${offset + i + 1}`;
  });
  return {
    $,
    count: offset + names.length,
    values: (values) => names.map((name) => values[name]),
  };
}
