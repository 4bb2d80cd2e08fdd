import type { Command } from 'commander';
import type { TerminateBody } from '../../../sdk/api-types.js';
import { connect } from '../connection.js';
import { formatTime, printFields, printJson } from '../output.js';
import { oneOf, parseRunId, parseSeconds } from '../parse.js';

const DESTINATIONS = ['requeue', 'block', 'archive'] as const;

export function registerRunCommands(program: Command): void {
  const run = program.command('run').description('look at and stop runs');

  run
    .command('show')
    .argument('<run-id>', 'run id', parseRunId)
    .option('--json', 'print JSON')
    .action(async (id: number, opts: { json?: boolean }, command: Command) => {
      const r = await connect(command).client.getRun(id);
      if (opts.json) return printJson({ run: r });
      printFields([
        ['run', r.id],
        ['task', r.task_id],
        ['outcome', r.outcome ?? 'live'],
        ['worker', r.worker],
        ['profile', r.profile],
        ['host', r.host],
        ['pid', r.worker_pid],
        ['started', formatTime(r.started_at)],
        ['ended', formatTime(r.ended_at)],
        ['heartbeat', formatTime(r.last_heartbeat_at)],
        ['progress', formatTime(r.last_progress_at)],
        ['expires', formatTime(r.claim_expires)],
        ['exit_code', r.exit_code],
        ['summary', r.summary],
        ['error', r.error],
      ]);
    });

  run
    .command('inspect')
    .description("the run's process: cpu, memory, threads, fds")
    .argument('<run-id>', 'run id', parseRunId)
    .option('--json', 'print JSON')
    .action(async (id: number, opts: { json?: boolean }, command: Command) => {
      const look = await connect(command).client.inspectRun(id);
      if (opts.json) return printJson(look);
      if (!look.alive) return void process.stdout.write(`run ${look.run_id}: not alive (${look.reason})\n`);
      printFields([
        ['run', look.run_id],
        ['pid', look.pid],
        ['host', look.host],
        ['status', look.status],
        ['cpu', `${look.cpu_percent}%`],
        ['rss', `${(look.memory_rss_bytes / 1048576).toFixed(1)} MiB`],
        ['vms', `${(look.memory_vms_bytes / 1048576).toFixed(1)} MiB`],
        ['threads', look.num_threads],
        ['fds', look.num_fds],
        ['started', formatTime(look.create_time)],
        ['origin', look.worker_origin],
        ['cmdline', look.cmdline === undefined ? '(hidden: pid declared by its claimant)' : look.cmdline.join(' ')],
      ]);
    });

  run
    .command('terminate')
    .description('stop a run: SIGTERM, then SIGKILL after the grace')
    .argument('<run-id>', 'run id', parseRunId)
    .option('--reason <text>')
    .option('--then <where>', `task goes to: ${DESTINATIONS.join(', ')} (default requeue)`, oneOf(DESTINATIONS))
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL (default 10)', parseSeconds)
    .option('--json', 'print JSON')
    .action(
      async (
        id: number,
        opts: { reason?: string; then?: TerminateBody['then']; grace?: number; json?: boolean },
        command: Command,
      ) => {
        const body: TerminateBody = {
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
          ...(opts.then === undefined ? {} : { then: opts.then }),
          ...(opts.grace === undefined ? {} : { grace_seconds: opts.grace }),
        };
        const answer = await connect(command).client.terminateRun(id, body);
        if (opts.json) return printJson(answer);
        const how =
          answer.stopped_by === 'fence'
            ? 'fenced: not signalled, the worker gets the stop on its next heartbeat'
            : `process ${answer.terminated ? 'stopped' : 'not stopped'}, ${answer.signal}`;
        process.stdout.write(`run ${answer.run_id} terminated (task ${answer.task_id}; ${how})\n`);
      },
    );
}
