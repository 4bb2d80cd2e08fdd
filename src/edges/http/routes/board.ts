import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEFAULT_CLOSED_LIMIT, isClosedLimit } from '../../../core/board-columns.js';
import { InvalidInputError } from '../../../core/errors.js';
import { DEFAULT_BOARD } from '../../../core/ids.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { Task, TaskStatus } from '../../../core/types.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';
import { BoardResponse, BoardViewQuery } from '../schemas/tasks.js';

/** Higher priority first, then the older task. */
function byBoardOrder(a: Task, b: Task): number {
  return b.priority - a.priority || a.created_at - b.created_at;
}

function closedLimitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLOSED_LIMIT;
  const limit = Number(text);
  if (!isClosedLimit(limit)) throw new InvalidInputError('querystring.closed_limit must be an integer from 0 to 10000');
  return limit;
}

export const boardRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/api/board',
    {
      config: { access: 'read' },
      schema: {
        summary: `The tasks of one board by column; done and archived show their ${DEFAULT_CLOSED_LIMIT} most recently updated unless closed_limit says otherwise`,
        querystring: BoardViewQuery,
        response: { 200: BoardResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const tasks = await ctx.store.listBoardTasks(request.query.board ?? DEFAULT_BOARD, closedLimitOf(request.query.closed_limit));
      const byStatus = new Map<TaskStatus, Task[]>(TASK_STATUSES.map((status) => [status, []]));
      for (const task of tasks) byStatus.get(task.status)?.push(task);
      const columns = TASK_STATUSES.map((name) => ({ name, tasks: (byStatus.get(name) as Task[]).sort(byBoardOrder) }));
      return { columns, now: ctx.clock.now() };
    },
  );

  app.get(
    '/api/boards',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The names of every board (the dashboard\'s board selector)',
        response: { 200: Type.Object({ boards: Type.Array(Type.String()) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ boards: await ctx.store.listBoards() }),
  );
};
