import type { ApiToken } from '../../core/types.js';
import type { Store } from '../../ports/store.js';
import { HttpError } from './http-error.js';

const MAX_CACHED = 10_000;

/**
 * A worker token acts only on runs its own worker claimed (DESIGN: "only it may heartbeat or complete
 * the run"), even when it holds another run's claim_token. A run's worker never changes, so the
 * owner, once known, is kept: told by the claim that made the run when it went through this server
 * (so a completion costs no read), else read once. Bounded; it simply starts over when full.
 */
export class RunOwners {
  private readonly owners = new Map<number, string>();

  constructor(private readonly store: Store) {}

  /** The run was just claimed through this server: its worker is known without asking the store. */
  remember(run: { id: number; worker: string }): void {
    this.keep(run.id, run.worker);
  }

  async assertMayAct(token: ApiToken, runId: number): Promise<void> {
    if (token.role !== 'worker' || token.run_id !== null) return;
    let owner = this.owners.get(runId);
    if (owner === undefined) {
      const run = await this.store.getRun(runId);
      // An unknown run is the store's answer to give (404), after the body is checked.
      if (!run) return;
      owner = run.worker;
      this.keep(runId, owner);
    }
    if (owner !== token.name) throw new HttpError(403, `run ${runId} belongs to worker ${owner}, not to ${token.name}`);
  }

  private keep(runId: number, owner: string): void {
    if (this.owners.size >= MAX_CACHED) this.owners.clear();
    this.owners.set(runId, owner);
  }
}
