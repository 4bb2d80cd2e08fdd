import type { Command } from 'commander';
import type { EventRow } from '../../../core/types.js';
import { connect } from '../connection.js';
import { followSse, untilInterrupted } from '../follow-sse.js';
import { examples } from '../help.js';
import { formatTime, printJson, printTable } from '../output.js';
import { parseNonNegative, parsePositiveInteger } from '../parse.js';

export function registerEventsCommand(program: Command): void {
  examples(program.command('events'), 'pulseboard events --limit 20', 'pulseboard events -f --board agents', 'pulseboard events -f --json | jq .kind')
    .description('the event log: every change to a task or run; -f follows it live')
    .option('--board <board>', 'one board only')
    .option('--limit <n>', 'the last n events (default 50, max 1000)', parsePositiveInteger)
    .option('--since <event-id>', 'events after this id', parseNonNegative)
    .option('-f, --follow', 'keep printing events as they happen (resumes after a dropped connection; Ctrl-C to leave)')
    .option('--json', 'print JSON (with -f: one event per line)')
    .action(async (opts: { board?: string; limit?: number; since?: number; follow?: boolean; json?: boolean }, command: Command) => {
      const connection = connect(command);
      const page = await connection.client.recentEvents({
        ...(opts.board === undefined ? {} : { board: opts.board }),
        ...(opts.since === undefined ? {} : { afterId: opts.since }),
        ...(opts.limit === undefined ? {} : { limit: opts.limit }),
      });
      if (!opts.follow) {
        if (opts.json) return printJson(page);
        return printTable(['ID', 'AT', 'BOARD', 'KIND', 'TASK', 'RUN', 'DETAIL'], page.events.map(eventCells), '(no events)');
      }
      for (const event of page.events) printEvent(event, opts.json ?? false);
      const last = page.events.at(-1)?.id ?? page.last_event_id;
      await untilInterrupted((signal) =>
        followSse({
          url: connection.url,
          token: connection.token,
          path: `/api/events${opts.board ? `?board=${encodeURIComponent(opts.board)}` : ''}`,
          lastEventId: String(last),
          reachedBefore: true,
          signal,
          onMessage: (message) => {
            // Registry changes ride the same stream without an id; they are not part of the log.
            if (message.id === null || message.event === 'worker' || message.data === '') return;
            printEvent(JSON.parse(message.data) as EventRow, opts.json ?? false);
          },
          onReconnecting: (reason) => process.stderr.write(`pulseboard: event stream lost (${reason}); reconnecting…\n`),
          onReconnected: () => process.stderr.write('pulseboard: event stream back, nothing missed\n'),
        }),
      );
    });
}

function eventCells(e: EventRow): (string | number | null)[] {
  return [e.id, formatTime(e.created_at), e.board, e.kind, e.task_id, e.run_id, summary(e.payload)];
}

function printEvent(event: EventRow, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
  else process.stdout.write(`${eventCells(event).map((cell) => cell ?? '-').join('  ')}\n`);
}

function summary(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
