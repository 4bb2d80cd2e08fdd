import type { Command } from 'commander';
import { connect } from '../connection.js';
import { examples } from '../help.js';
import { formatAge, printJson, printTable, truncate } from '../output.js';
import { outputWidth } from '../terminal.js';

/** Columns shown one under the other: a terminal is narrower than a board. */
export function registerBoardCommand(program: Command): void {
  examples(program.command('board'), 'pulseboard board', 'pulseboard board --board agents --json')
    .description('the board: every column with its tasks')
    .option('--board <board>', 'board name (default: default)')
    .option('--json', 'print JSON')
    .action(async (opts: { board?: string; json?: boolean }, command: Command) => {
      const view = await connect(command).client.board(opts.board);
      if (opts.json) return printJson(view);
      const titleWidth = Math.max(20, (outputWidth() ?? 100) - 40);
      for (const column of view.columns) {
        process.stdout.write(`${column.name.toUpperCase()} (${column.tasks.length})\n`);
        if (column.tasks.length === 0) continue;
        printTable(
          ['ID', 'PRI', 'ASSIGNEE', 'AGE', 'TITLE'],
          column.tasks.map((t) => [t.id, t.priority, t.assignee, formatAge(view.now - t.updated_at), truncate(t.title, titleWidth)]),
        );
        process.stdout.write('\n');
      }
    });
}
