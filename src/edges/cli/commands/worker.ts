import type { Command } from 'commander';
import { LeaseLostError } from '../../../core/errors.js';
import type { Json, Task } from '../../../core/types.js';
import { httpTransport } from '../../../sdk/http-transport.js';
import type { PulseboardClient } from '../../../sdk/client.js';
import { createWorker } from '../../../sdk/worker.js';
import type { TaskContext } from '../../../sdk/worker-types.js';
import { describeExit, startChild } from '../child-command.js';
import { connect } from '../connection.js';
import type { Connection } from '../connection.js';
import { parseSeconds } from '../parse.js';
import { examples } from '../help.js';

const SELF_REPORTED = new Set(['completed', 'failed', 'blocked']);

interface WorkerCommandOptions {
  profile?: string;
  name?: string;
  once?: boolean;
  board?: string;
  ttl: number;
  killGrace: number;
  wait?: number;
}

export function registerWorkerCommand(program: Command): void {
  examples(
    program.command('worker'),
    'pulseboard worker --profile echo -- ./worker.sh',
    'pulseboard worker --once --wait 30 -- python3 summarise.py',
  )
    .description('wrap a command as a worker: claim a task, run the command for it, report its exit (0 completes, else fails)')
    .argument('<command...>', 'the command and its arguments (after --); run without a shell')
    .option('--profile <profile>', 'claim tasks assigned to this profile (default: unassigned tasks)')
    .option('--name <name>', 'worker name; with a worker token, its name (default: the profile, else "worker")')
    .option('--once', 'handle one task, then exit (exit code 0 only if it completed)')
    .option('--wait <seconds>', 'with --once: give up (exit 1) when no task was ready for this long', parseSeconds)
    .option('--board <board>')
    .option('--ttl <seconds>', 'lease length; heartbeats every third of it', parseSeconds, 30)
    .option('--kill-grace <seconds>', 'seconds between SIGTERM and SIGKILL of the command', parseSeconds, 10)
    .passThroughOptions()
    .action(async (argv: string[], opts: WorkerCommandOptions, command: Command) => {
      const connection = connect(command);
      const name = opts.name ?? opts.profile ?? 'worker';
      const worker = createWorker({
        name,
        ...(opts.profile === undefined ? {} : { profile: opts.profile }),
        ...(opts.board === undefined ? {} : { board: opts.board }),
        transport: httpTransport({ url: connection.url, token: connection.token }),
        ttlSeconds: opts.ttl,
        ...(opts.once ? { maxTasks: 1 } : {}),
        // Signals are forwarded to the command at once (below); an operator's stop lets the task finish.
        handleSignals: false,
        stopGraceSeconds: Infinity,
        handler: (task, ctx) => runCommand(argv, task, ctx, connection, opts.killGrace),
        onError: (err, where) => log(`${where}: ${err instanceof Error ? err.message : String(err)}`),
      });
      const where = [opts.board ? `board ${opts.board}` : null, opts.profile ? `profile ${opts.profile}` : 'unassigned tasks']
        .filter(Boolean)
        .join(', ');
      log(`${name}: waiting for a ready task (${where})${opts.wait === undefined ? '' : `, up to ${opts.wait} s`}…`);
      const giveUp = setTimeout(() => {
        if (!opts.once || worker.stats().claimed > 0) return;
        log(`nothing ready after ${opts.wait} s; giving up`);
        void worker.stop({ graceSeconds: Infinity });
      }, (opts.wait ?? 0) * 1000);
      if (opts.wait === undefined) clearTimeout(giveUp);
      const onSignal = (signal: NodeJS.Signals) => {
        log(`${signal}: stopping the command`);
        void worker.stop({ graceSeconds: 0 });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        try {
          await worker.done;
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
      if (opts.once && worker.stats().completed !== 1) process.exitCode = 1;
      } finally {
        clearTimeout(giveUp);
      }
    });
}

async function runCommand(
  argv: string[],
  task: Task,
  ctx: TaskContext,
  connection: Connection,
  killGraceSeconds: number,
): Promise<Json> {
  log(`run ${ctx.run.id}: task ${task.id} "${task.title}": ${argv.join(' ')}`);
  const child = await startChild(argv, {
    env: {
      ...process.env,
      PULSEBOARD_URL: connection.url,
      PULSEBOARD_TOKEN: connection.token,
      PULSEBOARD_RUN_ID: String(ctx.run.id),
      PULSEBOARD_CLAIM_TOKEN: ctx.claimToken,
      PULSEBOARD_TASK_ID: task.id,
      PULSEBOARD_TASK_TITLE: task.title,
      PULSEBOARD_TASK_BODY: task.body,
    },
  }).catch((err: unknown) => {
    const message = `cannot start ${argv[0] ?? 'the command'}: ${err instanceof Error ? err.message : String(err)}`;
    log(`run ${ctx.run.id}: ${message}`);
    throw new Error(message);
  });
  const onAbort = () => void stopUnlessSelfReported(ctx, connection.client, () => child.killGroup(killGraceSeconds));
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const exit = await child.exited;
  ctx.signal.removeEventListener('abort', onAbort);
  log(`run ${ctx.run.id}: command ended (${describeExit(exit)})`);
  if (exit.code === 0) return { exit_code: 0 };
  throw new Error(`command failed: ${describeExit(exit)}`);
}

/**
 * A command that reported its own outcome through the API fences this wrapper off (its next heartbeat
 * answers 409); it is then allowed to exit by itself. Any other loss of the lease stops it.
 */
async function stopUnlessSelfReported(ctx: TaskContext, client: PulseboardClient, kill: () => void): Promise<void> {
  if (ctx.signal.reason instanceof LeaseLostError) {
    try {
      const run = await client.getRun(ctx.run.id);
      if (run.outcome !== null && SELF_REPORTED.has(run.outcome)) return;
    } catch {
      // Not knowing is no reason to let a command run on without a lease.
    }
  }
  kill();
}

function log(line: string): void {
  process.stderr.write(`pulseboard worker: ${line}\n`);
}
