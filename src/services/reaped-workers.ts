import type { Run } from '../core/types.js';
import type { ProcessSignaller } from '../ports/process-inspector.js';
import type { ReapResult, Store } from '../ports/store.js';

export interface ReapedWorkersDeps {
  store: Store;
  signaller: ProcessSignaller;
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
  const { store, signaller, hostname, graceSeconds, log } = deps;
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
    if (isLocalProcess(run, hostname)) {
      pending.add(run.id);
      try {
        await signaller.terminate(run.worker_pid as number, run.worker_started_at, graceSeconds);
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

function isLocalProcess(run: Run, hostname: string): boolean {
  // A declared pid is a claimant's word, never signalled: the fence (409 on its next call) stops that worker.
  if (run.worker_origin !== 'spawned') return false;
  // Without a recorded start time the pid's identity is unknown, and the signaller would refuse anyway.
  return run.host === hostname && run.worker_pid !== null && run.worker_started_at !== null;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
