import type { ClaimRequest, CompletedAndClaimed, CompleteInput, CompletionWithClaim, Store } from '../ports/store.js';

export interface CompletionBatcherOptions {
  /** Most items in one Store.completeAndClaimMany call. */
  maxBatch?: number;
  /**
   * Batches in flight at once. Two keep the database and this process busy at the same time: while
   * one batch commits, the next one's workers already finished their tasks and queue up.
   */
  maxInFlight?: number;
}

export interface CompletionBatcherStats {
  /** completeAndClaim calls answered. */
  calls: number;
  /** Store calls made with more than one item, and the items they carried. */
  batches: number;
  batched: number;
}

interface Waiting {
  item: CompletionWithClaim;
  resolve: (value: CompletedAndClaimed) => void;
  reject: (reason: unknown) => void;
}

const DEFAULT_MAX_BATCH = 64;
const DEFAULT_MAX_IN_FLIGHT = 2;

/**
 * Group commit for completeAndClaim: the calls made in the same turn of the event loop, and those
 * made while the batches before them were in flight, go to the store as one completeAndClaimMany,
 * one commit for all of them. Each caller gets exactly its own answer, as if it had called the store
 * alone. A call that finds nothing else waiting and no batch in flight still waits for the end of the
 * current turn, which costs microseconds, not a timer.
 */
export class CompletionBatcher {
  private readonly queue: Waiting[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private scheduled = false;
  private readonly counts: CompletionBatcherStats = { calls: 0, batches: 0, batched: 0 };

  constructor(
    private readonly store: Store,
    opts: CompletionBatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? DEFAULT_MAX_BATCH));
    this.maxInFlight = Math.max(1, Math.floor(opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT));
  }

  completeAndClaim(runId: number, claimToken: string, input: CompleteInput, next: ClaimRequest): Promise<CompletedAndClaimed> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item: { run_id: runId, claim_token: claimToken, input, next }, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  stats(): CompletionBatcherStats {
    return { ...this.counts };
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // Split what waits over the free slots, so that both batches commit while the other is handled.
      const size = Math.min(this.maxBatch, Math.ceil(this.queue.length / (this.maxInFlight - this.inFlight)));
      const batch = this.queue.splice(0, size);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.counts.calls += batch.length;
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      const { run_id, claim_token, input, next } = only.item;
      await this.store.completeAndClaim(run_id, claim_token, input, next).then(only.resolve, only.reject);
      return;
    }
    this.counts.batches++;
    this.counts.batched += batch.length;
    try {
      const answers = await this.store.completeAndClaimMany(batch.map((w) => w.item));
      batch.forEach((waiting, i) => {
        const answer = answers[i];
        if (answer?.status === 'fulfilled') waiting.resolve(answer.value);
        else waiting.reject(answer ? answer.reason : new Error('the store gave no answer for this completion'));
      });
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    }
  }
}
