import type { ApiToken } from '../../core/types.js';
import type { Store } from '../../ports/store.js';
import { HttpError } from './http-error.js';

const MAX_CACHED = 10_000;

/**
 * A worker token acts only on runs its own worker claimed (DESIGN: "only it may heartbeat or complete
 * the run"), even when it holds another run's claim_token. A run's worker never changes, so the
 * owner read once is kept; the cache is bounded and simply starts over when full.
 */
export class RunOwners {
  private readonly owners = new Map<number, string>();

  constructor(private readonly store: Store) {}

  async assertMayAct(token: ApiToken, runId: number): Promise<void> {
    if (token.role !== 'worker' || token.run_id !== null) return;
    let owner = this.owners.get(runId);
    if (owner === undefined) {
      const run = await this.store.getRun(runId);
      // An unknown run is the store's answer to give (404), after the body is checked.
      if (!run) return;
      owner = run.worker;
      if (this.owners.size >= MAX_CACHED) this.owners.clear();
      this.owners.set(runId, owner);
    }
    if (owner !== token.name) throw new HttpError(403, `run ${runId} belongs to worker ${owner}, not to ${token.name}`);
  }
}
