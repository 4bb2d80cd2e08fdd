import { useEffect, useRef, useState } from 'preact/hooks';
import { createTask } from '../state/board.js';
import type { NewTaskInput } from '../state/board.js';
import { DialogFooter } from './DialogFooter.js';

export function CreateTaskDialog({ board, onClose }: { board: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const input: NewTaskInput = { title: text('title'), board };
    if (text('body')) input.body = text('body');
    if (text('assignee')) input.assignee = text('assignee');
    if (text('priority')) input.priority = Number(text('priority'));
    if (text('parents')) input.parents = text('parents').split(/[\s,]+/).filter(Boolean);
    if (text('max_runtime_seconds')) input.max_runtime_seconds = Number(text('max_runtime_seconds'));
    if (text('max_attempts')) input.max_attempts = Number(text('max_attempts'));
    setBusy(true);
    try {
      await createTask(input);
      ref.current?.close();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="dialog" onClose={onClose} aria-labelledby="create-title">
      <form onSubmit={submit} aria-label="New task">
        <h2 id="create-title">New task on {board}</h2>
        <label>
          Title
          <input name="title" required maxLength={500} autofocus />
        </label>
        <label>
          Body
          <textarea name="body" rows={4} />
        </label>
        <div class="row-fields">
          <label>
            Assignee (profile)
            <input name="assignee" pattern="[A-Za-z0-9][A-Za-z0-9_-]{0,63}" />
          </label>
          <label>
            Priority
            <input name="priority" type="number" step="1" placeholder="0" />
          </label>
        </div>
        <label>
          Parents (task ids)
          <input name="parents" placeholder="t_1a2b3c4d t_…" />
        </label>
        <div class="row-fields">
          <label>
            Max runtime (s)
            <input name="max_runtime_seconds" type="number" min="1" step="1" />
          </label>
          <label>
            Max attempts
            <input name="max_attempts" type="number" min="1" step="1" />
          </label>
        </div>
        <DialogFooter error={error} busy={busy} tone="primary" onCancel={() => ref.current?.close()}>
          Create task
        </DialogFooter>
      </form>
    </dialog>
  );
}
