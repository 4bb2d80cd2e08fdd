import type { ActiveRunFilter } from '../core/active-run-state.js';
import type { ActiveRun } from '../core/types.js';
import type { Store } from '../ports/store.js';

/** One answer of the view: the runs of a listing and their JSON, kept together. */
export interface ActiveRunListing {
  /** Newest first, as the store listed them; a run unchanged since the previous listing is the same object. */
  readonly runs: readonly ActiveRun[];
  /** `JSON.stringify(runs)` as UTF-8, built once per listing. */
  json(): Buffer;
  /** `JSON.stringify(runs[i])`, built once per run object. */
  runJson(i: number): string;
}

/** Beyond this many distinct listings (boards x timeouts) the memory starts over rather than grow. */
const MAX_LISTINGS = 256;

/**
 * The live-run listing as the edges show it, memoised: one view per store (the server makes it where it
 * wires the store). The store answers fresh objects on every call; the view keeps the last listing of
 * each filter and reuses what did not change: a run whose fields (state included) are as before keeps
 * its object and its JSON, and when every run does, the whole listing and its bytes are answered again.
 * With a fleet renewing leases one listing differs from the last in a few rows, and with a thousand
 * live runs serialising is most of a request's cost.
 */
export class ActiveRunView {
  private readonly last = new Map<string, Listing>();

  constructor(private readonly store: Store) {}

  async listing(filter: ActiveRunFilter = {}): Promise<ActiveRunListing> {
    const fresh = await this.store.listActiveRuns(filter);
    const key = `${filter.board ?? ''}|${filter.progress_timeout_seconds ?? ''}`;
    const previous = this.last.get(key);
    const entries = new Array<Entry>(fresh.length);
    let unchanged = previous !== undefined && previous.entries.length === fresh.length;
    for (let i = 0; i < fresh.length; i++) {
      const run = fresh[i]!;
      const old = previous?.byRun.get(run.run_id);
      const entry = old !== undefined && sameRun(old.run, run) ? old : { run, json: undefined };
      if (unchanged && previous!.entries[i] !== entry) unchanged = false;
      entries[i] = entry;
    }
    if (unchanged) return previous!;
    const listing = new Listing(entries);
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
  readonly byRun = new Map<number, Entry>();
  private bytes: Buffer | undefined;

  constructor(readonly entries: readonly Entry[]) {
    this.runs = entries.map((entry) => entry.run);
    for (const entry of entries) this.byRun.set(entry.run.run_id, entry);
  }

  json(): Buffer {
    this.bytes ??= Buffer.from(`[${this.entries.map(entryJson).join(',')}]`);
    return this.bytes;
  }

  runJson(i: number): string {
    return entryJson(this.entries[i]!);
  }
}

function entryJson(entry: Entry): string {
  entry.json ??= JSON.stringify(entry.run);
  return entry.json;
}

/** Every field of ActiveRun, checked complete by the compiler, so a new field cannot be left out of the comparison. */
const FIELDS = Object.keys({
  run_id: 0,
  task_id: 0,
  task_title: 0,
  task_status: 0,
  task_assignee: 0,
  profile: 0,
  worker: 0,
  host: 0,
  worker_pid: 0,
  worker_started_at: 0,
  worker_origin: 0,
  started_at: 0,
  claim_lock: 0,
  claim_expires: 0,
  last_heartbeat_at: 0,
  last_progress_at: 0,
  max_runtime_seconds: 0,
  board: 0,
  state: 0,
} satisfies Record<keyof ActiveRun, 0>) as (keyof ActiveRun)[];

function sameRun(a: ActiveRun, b: ActiveRun): boolean {
  for (const field of FIELDS) if (a[field] !== b[field]) return false;
  return true;
}
