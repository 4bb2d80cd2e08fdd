import type { Command } from 'commander';
import type { TerminateAnswer, TerminateBody } from '../../../sdk/api-types.js';
import type { Connection } from '../connection.js';
import { followSse, untilInterrupted } from '../follow-sse.js';
import { examples } from '../help.js';
import { connect } from '../connection.js';
import { formatTime, printFields, printJson } from '../output.js';
import { oneOf, parseNonNegative, parseRunId, parseSeconds } from '../parse.js';

const DESTINATIONS = ['requeue', 'block', 'archive'] as const;

export function registerRunCommands(program: Command): void {
  const run = examples(program.command('run').description('look at, follow and stop runs'), 'pulseboard run show 42');

  examples(run
    .command('show'), 'pulseboard run show 42 --json')
    .description('one run: worker, process, times, outcome')
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

  examples(run
    .command('inspect'), 'pulseboard run inspect 42')
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

  examples(run
    .command('terminate'), 'pulseboard run terminate 42 --then block --reason "looping"')
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
        process.stdout.write(`run ${answer.run_id} terminated (task ${answer.task_id}; ${describeStop(answer)})\n`);
      },
    );

  examples(run
    .command('log'), 'pulseboard run log 42 --tail 50', 'pulseboard run log 42 -f')
    .description("a dispatched run's output (stdout and stderr); -f follows it until the run ends")
    .argument('<run-id>', 'run id', parseRunId)
    .option('--tail <lines>', 'last lines to show (default 200)', parseNonNegative)
    .option('-f, --follow', 'keep printing new lines as they come, until the run ends (Ctrl-C to leave)')
    .option('--json', 'print JSON (with -f: one JSON line per log line)')
    .action(async (id: number, opts: { tail?: number; follow?: boolean; json?: boolean }, command: Command) => {
      const connection = connect(command);
      if (!opts.follow) {
        const log = await connection.client.runLog(id, opts.tail);
        if (opts.json) return printJson(log);
        for (const line of log.lines) process.stdout.write(`${line}\n`);
        return;
      }
      await followRunLog(connection, id, opts.tail ?? 200, opts.json ?? false);
    });
}

export function describeStop(answer: TerminateAnswer): string {
  if (answer.stopped_by === 'fence') return 'fenced: not signalled, the worker gets the stop on its next heartbeat';
  if (!answer.terminated) return 'no process to signal';
  return `signalled ${answer.signal ?? 'SIGTERM'}`;
}

/** A dropped stream is reopened where it stopped (Last-Event-ID = the lines seen). */
async function followRunLog(connection: Connection, id: number, tail: number, json: boolean): Promise<void> {
  await untilInterrupted((signal) =>
    followSse({
      url: connection.url,
      token: connection.token,
      path: `/api/runs/${id}/log/stream?tail=${tail}`,
      signal,
      onMessage: (message) => {
        if (message.event === 'end') return 'stop';
        const line = JSON.parse(message.data) as string;
        process.stdout.write(json ? `${JSON.stringify({ line: Number(message.id), text: line })}\n` : `${line}\n`);
      },
      onReconnecting: (reason) => process.stderr.write(`pulseboard: log stream lost (${reason}); reconnecting…\n`),
      onReconnected: () => process.stderr.write('pulseboard: log stream back\n'),
    }),
  );
}
