import { useComputed } from '@preact/signals';
import { useState } from 'preact/hooks';
import { formatDuration } from '../logic/format.js';
import { shownState } from '../logic/runs.js';
import type { ActiveRun, Task, TaskStatus } from '../logic/types.js';
import { runs } from '../state/active.js';
import { boardError, boardLoaded, boardName, boards, columns, moveTask, reclaimTask, selectBoard } from '../state/board.js';
import { now } from '../state/clock.js';
import { openTask } from '../state/drawer.js';
import { canAct } from '../state/session.js';
import { StateBadge } from './Badge.js';
import { CreateTaskDialog } from './CreateTaskDialog.js';

/** Statuses a person may move a task to (running is only ever reached by a claim). */
const MOVE_TARGETS: TaskStatus[] = ['triage', 'todo', 'ready', 'blocked', 'done', 'archived'];

export function Board() {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState('');
  const [dragging, setDragging] = useState<Task | null>(null);
  const [dropOn, setDropOn] = useState<TaskStatus | null>(null);
  const runOfTask = useComputed(() => new Map<string, ActiveRun>(runs.value.map((r) => [r.task_id, r])));
  const actions = canAct.value;

  const move = async (task: Task, to: TaskStatus) => {
    if (task.status === to) return;
    if (task.status === 'running') {
      const run = runOfTask.value.get(task.id);
      const who = run ? `${run.worker}${run.worker_pid ? ` (pid ${run.worker_pid})` : ''}` : 'its worker';
      if (!confirm(`${task.id} is running. Moving it to ${to} stops ${who} and ends its run. Move it?`)) return;
    }
    try {
      setError('');
      await moveTask(task.id, to);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const total = columns.value.reduce((n, c) => n + c.tasks.length, 0);
  return (
    <section class="panel board" aria-labelledby="board-title">
      <header class="panel-head">
        <h2 id="board-title">Board</h2>
        <label class="inline">
          <span class="sr-only">Board</span>
          <select value={boardName.value} onChange={(e) => selectBoard((e.target as HTMLSelectElement).value)} aria-label="Board">
            {boards.value.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <span class="muted">{total} tasks</span>
        <span class="spacer-flex" />
        {actions && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New task
          </button>
        )}
      </header>
      {boardError.value && <p class="notice">Could not read the board: {boardError.value}</p>}
      {error && (
        <p class="notice" role="alert">
          {error}
        </p>
      )}
      {boardLoaded.value && total === 0 && (
        <div class="empty">
          <p>
            <strong>This board is empty.</strong>
          </p>
          <p class="muted">
            {actions ? 'Create a task with “New task”, ' : 'Ask an operator to add tasks, '}or from a shell: <code>npx pulseboard task add "Title"</code>.
          </p>
        </div>
      )}
      <div class="columns">
        {columns.value.map((column) => (
          <section
            key={column.name}
            class={`column col-${column.name} ${dropOn === column.name ? 'drop' : ''}`}
            aria-label={`${column.name}: ${column.tasks.length}`}
            data-column={column.name}
            onDragOver={(e) => {
              if (!dragging || column.name === 'running') return;
              e.preventDefault();
              setDropOn(column.name);
            }}
            onDragLeave={() => setDropOn(null)}
            onDrop={(e) => {
              e.preventDefault();
              setDropOn(null);
              if (dragging) void move(dragging, column.name);
              setDragging(null);
            }}
          >
            <h3>
              {column.name} <span class="count">{column.tasks.length}</span>
            </h3>
            <ul class="cards">
              {column.tasks.map((task) => (
                <Card
                  key={task.id}
                  task={task}
                  run={runOfTask.value.get(task.id)}
                  actions={actions}
                  onMove={move}
                  onDragStart={() => setDragging(task)}
                  onReclaim={async () => {
                    if (!confirm(`Reclaim ${task.id}? Its run ends and the task goes back to ready.`)) return;
                    try {
                      await reclaimTask(task.id);
                    } catch (err) {
                      setError(err instanceof Error ? err.message : String(err));
                    }
                  }}
                />
              ))}
            </ul>
          </section>
        ))}
      </div>
      {creating && <CreateTaskDialog board={boardName.value} onClose={() => setCreating(false)} />}
    </section>
  );
}

function Card(props: {
  task: Task;
  run: ActiveRun | undefined;
  actions: boolean;
  onMove: (t: Task, to: TaskStatus) => void;
  onDragStart: () => void;
  onReclaim: () => void;
}) {
  const { task, run } = props;
  const age = now.value - task.created_at;
  return (
    <li
      class={`card ${run ? `card-${shownState(run)}` : ''}`}
      data-task-id={task.id}
      draggable={props.actions}
      onDragStart={(e) => {
        e.dataTransfer?.setData('text/plain', task.id);
        props.onDragStart();
      }}
    >
      <button type="button" class="card-title link" onClick={() => openTask(task.id)}>
        {task.title}
      </button>
      <div class="card-meta">
        <span class="mono">{task.id}</span>
        {task.assignee && <span title="assignee">@{task.assignee}</span>}
        {task.priority !== 0 && <span title="priority">p{task.priority}</span>}
        <span title="attempts of max">
          {task.attempts}/{task.max_attempts}
        </span>
        <span title="age">{formatDuration(age)}</span>
      </div>
      {task.status === 'running' && run && (
        <div class="card-run">
          <StateBadge state={shownState(run)} />
          <span class="muted">
            {run.worker}
            {run.worker_pid ? ` · pid ${run.worker_pid}` : ''}
          </span>
        </div>
      )}
      {props.actions && (
        <div class="card-actions">
          <select
            aria-label={`Move ${task.id}`}
            value=""
            onChange={(e) => {
              const to = (e.target as HTMLSelectElement).value as TaskStatus;
              (e.target as HTMLSelectElement).value = '';
              if (to) props.onMove(task, to);
            }}
          >
            <option value="">Move…</option>
            {MOVE_TARGETS.filter((s) => s !== task.status).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          {task.status === 'running' && (
            <button type="button" class="small" onClick={props.onReclaim}>
              Reclaim
            </button>
          )}
        </div>
      )}
    </li>
  );
}
