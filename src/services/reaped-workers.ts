import { stopRefusal } from '../core/signal-policy.js';
import type { Run } from '../core/types.js';
import type { ProcessSignaller, SignalAsk, SignalAudit } from '../ports/process-inspector.js';
import type { ReapResult, Store } from '../ports/store.js';

export interface ReapedWorkersDeps {
  store: Store;
  signaller: ProcessSignaller;
  /** Where the refusal of a declared pid is written; the signaller writes what it sends or refuses. */
  audit: SignalAudit;
  hostname: string;
  /** Grace a reaped run's process gets between SIGTERM and SIGKILL. */
  graceSeconds: number;
  log: (line: string) => void;
}

export interface ReapedWorkers {
  /** The reaper's onReaped: starts stopping the workers of the runs it just closed. */
  onReaped(result: ReapResult): void;
  /** Revokes at once the tokens of runs whose process is still being stopped; for shutdown, before the store closes. */
  flush(): Promise<void>;
}

/**
 * A reclaimed or timed-out run's worker must not keep working on a task that is no longer its own: its
 * local process, when this server spawned it, is stopped (pid and start time must match), then its
 * per-run token is revoked. Not
 * before: until the process is gone, its late calls get the 409 that tells it it lost the task. A
 * process on another host, or none, leaves nothing to wait for.
 */
export function stopReapedWorkers(deps: ReapedWorkersDeps): ReapedWorkers {
  const { store, signaller, audit, hostname, graceSeconds, log } = deps;
  const pending = new Set<number>();

  async function revoke(runId: number): Promise<void> {
    pending.delete(runId);
    try {
      await store.revokeRunTokens(runId);
    } catch (err) {
      log(`pulseboard: could not revoke the tokens of run ${runId}: ${describe(err)}`);
    }
  }

  async function stopThenRevoke(run: Run): Promise<void> {
    const ask: SignalAsk = { run_id: run.id, actor: 'reaper', reason: run.outcome === 'timed_out' ? 'max runtime exceeded' : 'lease expired' };
    const refusal = stopRefusal(run);
    if (refusal !== null && run.worker_pid !== null) {
      await audit.record({ ...ask, pid: run.worker_pid, signal: 'SIGTERM', group: false, sent: false, refusal });
    }
    if (refusal === null && run.host === hostname) {
      pending.add(run.id);
      try {
        await signaller.terminate(run.worker_pid as number, run.worker_started_at, graceSeconds, ask);
      } catch (err) {
        log(`pulseboard: could not terminate pid ${run.worker_pid} of run ${run.id}: ${describe(err)}`);
      }
      // flush() may have revoked it already, and the store may be closed by now.
      if (!pending.has(run.id)) return;
    }
    await revoke(run.id);
  }

  return {
    onReaped(result) {
      for (const { run } of [...result.reclaimed, ...result.timed_out]) void stopThenRevoke(run);
    },
    async flush() {
      for (const runId of [...pending]) await revoke(runId);
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
