import type { ActiveRunFilter } from '../core/active-run-state.js';
import { PositionalLookup } from '../core/positional-lookup.js';
import type { ActiveRun } from '../core/types.js';
import type { Store } from '../ports/store.js';

/** One answer of the view: the runs of a listing and their JSON, kept together. */
export interface ActiveRunListing {
  /** Newest first, as the store listed them; a run unchanged since the previous listing is the same object. */
  readonly runs: readonly ActiveRun[];
  /**
   * `JSON.stringify(runs)` as UTF-8 in parts of a few dozen runs, built once per listing; a part whose
   * runs are the same objects as in the previous listing is that listing's part.
   */
  jsonParts(): readonly Buffer[];
  /** `JSON.stringify(runs[i])`, built once per run object. */
  runJson(i: number): string;
}

/** Beyond this many distinct listings (boards x timeouts) the memory starts over rather than grow. */
const MAX_LISTINGS = 256;
/**
 * Runs per part of a listing's JSON. While a fleet renews leases a listing differs from the previous
 * one in a row or two, so only their part is encoded again: encoding all thousand runs (430 KB) anew
 * for each of those requests was 12 % of the server's busy time (bench/profile-visibility.ts, phase
 * active-beating).
 */
const RUNS_PER_PART = 50;

/**
 * The live-run listing as the edges show it, memoised: one view per store (the server makes it where it
 * wires the store). The view keeps the last listing of each filter and hands its runs to the store,
 * which answers a run whose fields (state included) are as before as the same object; that run keeps
 * its JSON, and when every run does, the whole listing and its bytes are answered again.
 * With a fleet renewing leases one listing differs from the last in a few rows, and with a thousand
 * live runs serialising is most of a request's cost. Where the store gives a stamp (SQLite), an
 * unchanged stamp answers the last listing without listing at all.
 */
export class ActiveRunView {
  private readonly last = new Map<string, Listing>();

  constructor(private readonly store: Store) {}

  async listing(filter: ActiveRunFilter = {}): Promise<ActiveRunListing> {
    const key = `${filter.board ?? ''}|${filter.progress_timeout_seconds ?? ''}`;
    const previous = this.last.get(key);
    // Taken before the listing: a commit in between can only make the next call list again.
    const stamp = await this.store.activeRunsStamp(filter);
    if (previous !== undefined && stamp !== null && previous.stamp === stamp) return previous;
    // The store answers each run that did not change as the object it had in `previous`.
    const listed = await this.store.listActiveRuns(filter, previous?.runs);
    if (previous !== undefined && previous.isAnswerTo(listed)) {
      previous.stamp = stamp;
      return previous;
    }
    const entries = new Array<Entry>(listed.length);
    for (let i = 0; i < listed.length; i++) {
      const run = listed[i]!;
      const old = previous?.entryOf(run, i);
      entries[i] = old ?? { run, json: undefined };
    }
    const listing = new Listing(entries, stamp, previous);
    if (!previous && this.last.size >= MAX_LISTINGS) this.last.clear();
    this.last.set(key, listing);
    return listing;
  }
}

interface Entry {
  readonly run: ActiveRun;
  json: string | undefined;
}

class Listing implements ActiveRunListing {
  readonly runs: readonly ActiveRun[];
  /** Made when the next listing looks for its first run here. */
  private byRunId: PositionalLookup<Entry, number> | undefined;
  /** The previous listing's parts, if it built them, until this one has built its own. */
  private reusable: BuiltParts | undefined;
  private parts: Buffer[] | undefined;

  constructor(
    readonly entries: readonly Entry[],
    /** The store's stamp taken just before this listing was read; null when the store gives none. */
    public stamp: string | null,
    /** The listing this one replaces. */
    previous: Listing | undefined,
  ) {
    this.runs = entries.map((entry) => entry.run);
    this.reusable = previous?.built();
  }

  /**
   * The entry of `run` when it is one of this listing's run objects, looked for first at `index`. By
   * run id, then the object: a renewed run is a fresh object where its old one was, found there and
   * refused, where a lookup by object would build a map of every run to look for it.
   */
  entryOf(run: ActiveRun, index: number): Entry | undefined {
    this.byRunId ??= new PositionalLookup(this.entries, (entry) => entry.run.run_id);
    const entry = this.byRunId.at(index, run.run_id);
    return entry?.run === run ? entry : undefined;
  }

  /** Whether `listed` is this listing's runs, in the same order: the common case, checked without allocating. */
  isAnswerTo(listed: readonly ActiveRun[]): boolean {
    if (listed.length !== this.entries.length) return false;
    for (let i = 0; i < listed.length; i++) if (this.entries[i]!.run !== listed[i]) return false;
    return true;
  }

  jsonParts(): readonly Buffer[] {
    if (this.parts === undefined) {
      // Part k holds runs [k * RUNS_PER_PART, ...) behind its separator ('[' for the first, ',' after),
      // so it depends on nothing but its own runs; the closing bracket is a part of its own.
      const count = Math.ceil(this.entries.length / RUNS_PER_PART);
      const parts = new Array<Buffer>(count + 1);
      const reusable = this.reusable;
      for (let k = 0; k < count; k++) {
        const from = k * RUNS_PER_PART;
        const to = Math.min(from + RUNS_PER_PART, this.entries.length);
        const kept = reusable !== undefined && sameEntries(reusable.entries, this.entries, from, to);
        parts[k] = kept ? reusable.parts[k]! : partBytes(this.entries, from, to, k === 0 ? '[' : ',');
      }
      parts[count] = count === 0 ? EMPTY_LIST : CLOSE_LIST;
      this.parts = parts;
      this.reusable = undefined;
    }
    return this.parts;
  }

  runJson(i: number): string {
    return entryJson(this.entries[i]!);
  }

  /** Its parts, when they were built: a listing never asked for its bytes has none to lend. */
  private built(): BuiltParts | undefined {
    return this.parts === undefined ? undefined : { entries: this.entries, parts: this.parts };
  }
}

interface BuiltParts {
  entries: readonly Entry[];
  parts: readonly Buffer[];
}

/** Whether the part of `entries` covering runs [from, to) holds the same entries as the one `before` had there. */
function sameEntries(before: readonly Entry[], entries: readonly Entry[], from: number, to: number): boolean {
  if (Math.min(from + RUNS_PER_PART, before.length) !== to) return false;
  for (let i = from; i < to; i++) if (before[i] !== entries[i]) return false;
  return true;
}

const CLOSE_LIST = Buffer.from(']');
const EMPTY_LIST = Buffer.from('[]');

function partBytes(entries: readonly Entry[], from: number, to: number, separator: string): Buffer {
  let text = separator;
  for (let i = from; i < to; i++) text += (i === from ? '' : ',') + entryJson(entries[i]!);
  return Buffer.from(text);
}

function entryJson(entry: Entry): string {
  entry.json ??= JSON.stringify(entry.run);
  return entry.json;
}
