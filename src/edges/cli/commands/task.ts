import type { Command } from 'commander';
import { TASK_STATUSES } from '../../../core/types.js';
import type { Task, TaskStatus } from '../../../core/types.js';
import type { NewTaskBody, TaskPatchBody } from '../../../sdk/api-types.js';
import { connect } from '../connection.js';
import { formatAge, formatTime, printFields, printJson, printTable, truncate } from '../output.js';
import { collect, oneOf, parseInteger, parsePositiveInteger, parseSeconds, parseTaskId } from '../parse.js';
import { examples } from '../help.js';

const EDITABLE_STATUSES = TASK_STATUSES.filter((s): s is Exclude<TaskStatus, 'running'> => s !== 'running');

interface TaskFields {
  body?: string;
  assignee?: string;
  priority?: number;
  parent?: string[];
  maxRuntime?: number;
  maxAttempts?: number;
}

export function registerTaskCommands(program: Command): void {
  const task = examples(
    program.command('task').description('create, list, show, edit and move tasks'),
    'pulseboard task add "summarise the logs" --assignee echo',
  );

  examples(task
    .command('add'), 'pulseboard task add "summarise the logs" --assignee echo --priority 5')
    .description('create a task')
    .argument('<title>')
    .option('--body <text>', 'task body')
    .option('--assignee <profile>', 'profile that runs it')
    .option('--priority <n>', 'higher runs first', parseInteger)
    .option('--parent <task-id>', 'a task that must be done first (repeatable)', collectTaskIds)
    .option('--max-runtime <seconds>', 'longest a run may take', parseSeconds)
    .option('--max-attempts <n>', 'claims before it gives up', parsePositiveInteger)
    .option('--board <board>', 'board (default: default)')
    .option('--json', 'print JSON')
    .action(async (title: string, opts: TaskFields & { board?: string; json?: boolean }, command: Command) => {
      const body: NewTaskBody = { title, ...taskFields(opts), ...(opts.board ? { board: opts.board } : {}) };
      const created = await connect(command).client.createTask(body);
      if (opts.json) printJson({ task: created });
      else process.stdout.write(`${created.id}  ${created.status}  ${created.title}\n`);
    });

  examples(task
    .command('ls'), 'pulseboard task ls --status ready', 'pulseboard task ls --json | jq -r ".tasks[].id"')
    .description('list tasks')
    .option('--status <status>', `one of ${TASK_STATUSES.join(', ')}`, oneOf(TASK_STATUSES))
    .option('--assignee <profile>')
    .option('--board <board>')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: TaskStatus; assignee?: string; board?: string; json?: boolean }, command: Command) => {
      const filter = { status: opts.status, assignee: opts.assignee, board: opts.board };
      const tasks = await connect(command).client.listTasks(filter);
      if (opts.json) return printJson({ tasks });
      printTasks(tasks);
    });

  examples(task
    .command('show'), 'pulseboard task show t_1a2b3c4d')
    .description('a task with its runs, comments and recent events')
    .argument('<task-id>', 't_ and 8 hex digits', parseTaskId)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      const detail = await connect(command).client.getTask(id);
      if (opts.json) return printJson(detail);
      const t = detail.task;
      printFields([
        ['id', t.id],
        ['title', t.title],
        ['status', t.status],
        ['board', t.board],
        ['assignee', t.assignee],
        ['priority', t.priority],
        ['parents', t.parents.join(', ') || null],
        ['attempts', `${t.attempts}/${t.max_attempts}`],
        ['run', t.current_run_id],
        ['created', formatTime(t.created_at)],
        ['updated', formatTime(t.updated_at)],
        ['result', t.result === null ? null : JSON.stringify(t.result)],
      ]);
      if (t.body) process.stdout.write(`\n${t.body}\n`);
      process.stdout.write('\nruns\n');
      printTable(
        ['RUN', 'OUTCOME', 'WORKER', 'HOST', 'PID', 'STARTED', 'ERROR'],
        detail.runs.map((r) => [r.id, r.outcome ?? 'live', r.worker, r.host, r.worker_pid, formatTime(r.started_at), r.error]),
        '(none)',
        [1],
      );
      if (detail.comments.length > 0) {
        process.stdout.write('\ncomments\n');
        printTable(
          ['AT', 'BY', 'COMMENT'],
          detail.comments.map((c) => [formatTime(c.created_at), c.author, c.body]),
        );
      }
      process.stdout.write('\nevents\n');
      printTable(
        ['ID', 'KIND', 'RUN', 'AT'],
        detail.events.slice(-20).map((e) => [e.id, e.kind, e.run_id, formatTime(e.created_at)]),
      );
    });

  examples(task
    .command('edit'), 'pulseboard task edit t_1a2b3c4d --priority 9 --assignee echo')
    .description('change a task; moving a running task stops its run')
    .argument('<task-id>', 't_ and 8 hex digits', parseTaskId)
    .option('--title <title>')
    .option('--body <text>')
    .option('--assignee <profile>', 'profile that runs it ("" to clear)')
    .option('--priority <n>', 'higher runs first', parseInteger)
    .option('--parent <task-id>', 'replaces the parents (repeatable)', collectTaskIds)
    .option('--status <status>', `one of ${EDITABLE_STATUSES.join(', ')}`, oneOf(EDITABLE_STATUSES))
    .option('--max-runtime <seconds>', 'longest a run may take', parseSeconds)
    .option('--max-attempts <n>', 'claims before it gives up', parsePositiveInteger)
    .option('--json', 'print JSON')
    .action(
      async (
        id: string,
        opts: TaskFields & { title?: string; status?: Exclude<TaskStatus, 'running'>; json?: boolean },
        command: Command,
      ) => {
        const patch: TaskPatchBody = {
          ...taskFields(opts),
          ...(opts.title === undefined ? {} : { title: opts.title }),
          ...(opts.status === undefined ? {} : { status: opts.status }),
        };
        const updated = await connect(command).client.updateTask(id, patch);
        if (opts.json) printJson({ task: updated });
        else process.stdout.write(`${updated.id}  ${updated.status}  ${updated.title}\n`);
      },
    );

  registerMove(task, 'move', 'move a task to another column; moving a running task stops its run', null);
  registerMove(task, 'block', 'block a task (stops its run if it runs)', 'blocked');
  registerMove(task, 'unblock', 'make a blocked task ready again', 'ready');
  registerMove(task, 'archive', 'archive a task (stops its run if it runs)', 'archived');

  examples(task
    .command('comment'), 'pulseboard task comment t_1a2b3c4d "waiting on the API key"')
    .description('add a comment to a task')
    .argument('<task-id>', 't_ and 8 hex digits', parseTaskId)
    .argument('<text>')
    .option('--json', 'print JSON')
    .action(async (id: string, text: string, opts: { json?: boolean }, command: Command) => {
      const comment = await connect(command).client.addComment(id, text);
      if (opts.json) printJson({ comment });
      else process.stdout.write(`commented on ${id}\n`);
    });

  examples(task
    .command('reclaim'), 'pulseboard task reclaim t_1a2b3c4d')
    .description('take a task back from the run that holds it and requeue it')
    .argument('<task-id>', 't_ and 8 hex digits', parseTaskId)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      const answer = await connect(command).client.reclaimTask(id);
      if (opts.json) printJson(answer);
      else process.stdout.write(`reclaimed ${answer.task_id}\n`);
    });
}

/** move takes the column as an argument; block, unblock and archive name theirs. */
function registerMove(task: Command, verb: string, description: string, status: Exclude<TaskStatus, 'running'> | null): void {
  const command = task.command(verb).description(description).argument('<task-id>', 't_ and 8 hex digits', parseTaskId);
  if (status === null) {
    command.argument('<status>', EDITABLE_STATUSES.join('|'), oneOf(EDITABLE_STATUSES));
    examples(command, 'pulseboard task move t_1a2b3c4d ready');
  } else {
    examples(command, `pulseboard task ${verb} t_1a2b3c4d`);
  }
  command
    .option('--reason <text>', 'recorded as a comment on the task')
    .option('--json', 'print JSON')
    .action(async (id: string, ...rest: unknown[]) => {
      const to = status ?? (rest.shift() as Exclude<TaskStatus, 'running'>);
      const [opts, cmd] = rest as [{ reason?: string; json?: boolean }, Command];
      const { client } = connect(cmd);
      if (opts.reason !== undefined) await client.addComment(id, opts.reason);
      const updated = await client.updateTask(id, { status: to });
      if (opts.json) printJson({ task: updated });
      else process.stdout.write(`${updated.id}  ${updated.status}  ${updated.title}\n`);
    });
}

function collectTaskIds(value: string, previous: string[] = []): string[] {
  return collect(parseTaskId(value), previous);
}

function taskFields(opts: TaskFields): TaskPatchBody {
  return {
    ...(opts.body === undefined ? {} : { body: opts.body }),
    ...(opts.assignee === undefined ? {} : { assignee: opts.assignee === '' ? null : opts.assignee }),
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
    ...(opts.parent === undefined ? {} : { parents: opts.parent }),
    ...(opts.maxRuntime === undefined ? {} : { max_runtime_seconds: opts.maxRuntime }),
    ...(opts.maxAttempts === undefined ? {} : { max_attempts: opts.maxAttempts }),
  };
}

function printTasks(tasks: Task[]): void {
  const now = Date.now() / 1000;
  printTable(
    ['ID', 'STATUS', 'PRI', 'ASSIGNEE', 'BOARD', 'AGE', 'TITLE'],
    tasks.map((t) => [t.id, t.status, t.priority, t.assignee, t.board, formatAge(now - t.created_at), truncate(t.title, 60)]),
    '(no tasks)',
    [1],
  );
}
