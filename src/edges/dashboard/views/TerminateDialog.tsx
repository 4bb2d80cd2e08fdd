import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import type { ActiveRun, StopAnswer } from '../logic/types.js';
import { runsRefresher } from '../state/active.js';
import { DialogFooter } from './DialogFooter.js';

type Then = 'requeue' | 'block' | 'archive';

/** Confirms a terminate naming the worker and pid, then says how the stop was made (signal or fence). */
export function TerminateDialog({ run, onClose }: { run: ActiveRun; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [then, setThen] = useState<Then>('requeue');
  const [grace, setGrace] = useState('10');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<StopAnswer | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body: Record<string, unknown> = { then, grace_seconds: Number(grace) };
      if (reason.trim()) body.reason = reason.trim();
      setAnswer(await api<StopAnswer>('POST', `/api/runs/${run.run_id}/terminate`, body));
      runsRefresher.request();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const who = `${run.worker}${run.worker_pid === null ? ' (no pid yet)' : ` pid ${run.worker_pid}`} on ${run.host}`;
  return (
    <dialog ref={ref} class="dialog" onClose={onClose} aria-labelledby="terminate-title">
      {answer ? (
        <div>
          <h2 id="terminate-title">Run {run.run_id} terminated</h2>
          <p class="stop-result" data-stopped-by={answer.stopped_by ?? (answer.signal ? 'signal' : 'fence')}>
            {answer.stopped_by === 'fence' || (!answer.stopped_by && answer.signal === null)
              ? `Stopped by fence: ${who} was not started by this server, so it was not signalled; its next heartbeat is refused and it stops there.`
              : `Stopped by signal: ${answer.signal ?? 'SIGTERM'} sent to ${who}${answer.terminated ? '; the process is gone' : ''}.`}
          </p>
          <p class="muted">Task {answer.task_id} was sent to {then}.</p>
          <div class="dialog-actions">
            <button type="button" class="primary" onClick={() => ref.current?.close()} autofocus>
              Close
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit}>
          <h2 id="terminate-title">Terminate run {run.run_id}?</h2>
          <p>
            This stops <strong>{who}</strong>, working on <strong>{run.task_title}</strong> ({run.task_id}).
          </p>
          <label>
            Reason
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder="terminated by an operator" maxLength={500} />
          </label>
          <div class="row-fields">
            <label>
              Then the task
              <select value={then} onChange={(e) => setThen((e.target as HTMLSelectElement).value as Then)}>
                <option value="requeue">goes back to ready</option>
                <option value="block">is blocked</option>
                <option value="archive">is archived</option>
              </select>
            </label>
            <label>
              Grace (s) before SIGKILL
              <input type="number" min="0" max="3600" value={grace} onInput={(e) => setGrace((e.target as HTMLInputElement).value)} />
            </label>
          </div>
          <DialogFooter error={error} busy={busy} tone="danger" onCancel={() => ref.current?.close()}>
            Terminate {run.worker}
            {run.worker_pid === null ? '' : ` (pid ${run.worker_pid})`}
          </DialogFooter>
        </form>
      )}
    </dialog>
  );
}
