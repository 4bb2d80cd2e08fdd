import { useEffect, useRef, useState } from 'preact/hooks';
import { describeEvent } from '../logic/events.js';
import { formatClock, formatDateTime, formatDuration } from '../logic/format.js';
import type { Task } from '../logic/types.js';
import { columns } from '../state/board.js';
import { addComment, detail, detailError, drawerFocus, logLines, logNote, openTask, openTaskId } from '../state/drawer.js';
import { now } from '../state/clock.js';
import { canAct } from '../state/session.js';
import { StatusBadge } from './Badge.js';

export function TaskDrawer() {
  const id = openTaskId.value;
  const panel = useRef<HTMLElement>(null);
  const logRef = useRef<HTMLPreElement>(null);
  // Following the tail keeps the log at its bottom, unless the reader scrolled up to read.
  const atBottom = useRef(true);
  useEffect(() => {
    if (id === null) return;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.querySelector('dialog[open]')) openTask(null);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [id]);
  const d = detail.value;
  useEffect(() => {
    if (d && drawerFocus.value === 'log') document.getElementById('drawer-log')?.scrollIntoView({ block: 'start' });
  }, [d?.task.id]);
  useEffect(() => {
    const el = logRef.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [logLines.value]);
  if (id === null) return null;

  const children: Task[] = columns.value.flatMap((c) => c.tasks).filter((t) => t.parents.includes(id));
  return (
    <aside class="drawer" role="dialog" aria-modal="false" aria-labelledby="drawer-title" ref={panel} tabIndex={-1}>
      <header class="drawer-head">
        <h2 id="drawer-title">{d ? d.task.title : id}</h2>
        <button type="button" class="close" onClick={() => openTask(null)} aria-label="Close the task">
          ×
        </button>
      </header>
      {detailError.value && <p class="notice">{detailError.value}</p>}
      {!d ? (
        <p class="muted pad">Loading…</p>
      ) : (
        <div class="drawer-body">
          <dl class="fields">
            <dt>id</dt>
            <dd class="mono">{d.task.id}</dd>
            <dt>status</dt>
            <dd>
              <StatusBadge status={d.task.status} />
            </dd>
            <dt>board</dt>
            <dd>{d.task.board}</dd>
            <dt>assignee</dt>
            <dd>{d.task.assignee ?? '—'}</dd>
            <dt>priority</dt>
            <dd>{d.task.priority}</dd>
            <dt>attempts</dt>
            <dd>
              {d.task.attempts} of {d.task.max_attempts}
            </dd>
            <dt>max runtime</dt>
            <dd>{d.task.max_runtime_seconds === null ? '—' : formatDuration(d.task.max_runtime_seconds)}</dd>
            <dt>created</dt>
            <dd>{formatDateTime(d.task.created_at)}</dd>
            <dt>updated</dt>
            <dd>{formatDateTime(d.task.updated_at)}</dd>
            <dt>parents</dt>
            <dd>{d.task.parents.length === 0 ? '—' : d.task.parents.map((p) => <TaskLink key={p} id={p} />)}</dd>
            <dt>children</dt>
            <dd>{children.length === 0 ? '—' : children.map((c) => <TaskLink key={c.id} id={c.id} />)}</dd>
          </dl>
          {d.task.body && <pre class="body-text">{d.task.body}</pre>}

          <h3>Runs</h3>
          {d.runs.length === 0 ? (
            <p class="muted">No run yet: the task waits for a worker to claim it.</p>
          ) : (
            <table class="mini">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">worker</th>
                  <th scope="col">host</th>
                  <th scope="col" class="num">pid</th>
                  <th scope="col">outcome</th>
                  <th scope="col" class="num">duration</th>
                  <th scope="col" class="num">exit</th>
                  <th scope="col">error / summary</th>
                </tr>
              </thead>
              <tbody>
                {[...d.runs]
                  .sort((a, b) => b.id - a.id)
                  .map((run, i) => (
                    <tr key={run.id}>
                      <td class="num" title={`run ${run.id}`}>
                        {d.runs.length - i}
                      </td>
                      <td>{run.worker}</td>
                      <td>{run.host}</td>
                      <td class="num">{run.worker_pid ?? '—'}</td>
                      <td>{run.outcome ?? <span class="badge state-healthy">live</span>}</td>
                      <td class="num">
                        <RunDuration startedAt={run.started_at} endedAt={run.ended_at} />
                      </td>
                      <td class="num">{run.exit_code ?? '—'}</td>
                      <td class="clip" title={run.error ?? run.summary ?? ''}>
                        {run.error ?? run.summary ?? ''}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}

          <h3 id="drawer-log">Log</h3>
          <p class="muted small">{logNote.value}</p>
          {logLines.value && (
            <pre
              class="log"
              ref={logRef}
              tabIndex={0}
              aria-label="Run log"
              onScroll={(e) => {
                const el = e.currentTarget;
                atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
              }}
            >
              {logLines.value.length === 0 ? '(no output yet)' : logLines.value.join('\n')}
            </pre>
          )}

          <h3>Events</h3>
          <ol class="timeline">
            {[...d.events].reverse().map((e) => (
              <li key={e.id}>
                <time>{formatClock(e.created_at)}</time> <span class={`kind kind-${e.kind}`}>{e.kind}</span> {describeEvent(e)}
              </li>
            ))}
          </ol>

          <h3>Comments</h3>
          {d.comments.length === 0 && <p class="muted">No comments.</p>}
          <ul class="comments">
            {d.comments.map((c) => (
              <li key={c.id}>
                <span class="muted">
                  {c.author} · {formatDateTime(c.created_at)}
                </span>
                <p>{c.body}</p>
              </li>
            ))}
          </ul>
          {canAct.value && <CommentForm taskId={d.task.id} />}
        </div>
      )}
    </aside>
  );
}

/** Its own component: a live run's duration ticks without re-rendering the drawer around it. */
function RunDuration(props: { startedAt: number; endedAt: number | null }) {
  return <>{formatDuration((props.endedAt ?? now.value) - props.startedAt)}</>;
}

function TaskLink({ id }: { id: string }) {
  return (
    <button type="button" class="link mono chip-link" onClick={() => openTask(id)}>
      {id}
    </button>
  );
}

function CommentForm({ taskId }: { taskId: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  return (
    <form
      class="comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        void addComment(taskId, text.trim())
          .then(() => setText(''))
          .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
      }}
    >
      <label>
        <span class="sr-only">Comment</span>
        <textarea rows={2} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} placeholder="Add a comment" />
      </label>
      {error && <p class="notice">{error}</p>}
      <button type="submit" disabled={text.trim() === ''}>
        Comment
      </button>
    </form>
  );
}
