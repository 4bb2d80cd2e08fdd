import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_BOARD } from '../../../core/ids.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { Task } from '../../../core/types.js';
import type { ApiContext } from '../context.js';
import { BoardQuery, errorResponses } from '../schemas/common.js';
import { BoardResponse } from '../schemas/tasks.js';

/** Higher priority first, then the older task. */
function byBoardOrder(a: Task, b: Task): number {
  return b.priority - a.priority || a.created_at - b.created_at;
}

export const boardRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/api/board',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The tasks of one board by column',
        querystring: BoardQuery,
        response: { 200: BoardResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const tasks = await ctx.store.listTasks({ board: request.query.board ?? DEFAULT_BOARD });
      const columns = TASK_STATUSES.map((name) => ({
        name,
        tasks: tasks.filter((task) => task.status === name).sort(byBoardOrder),
      }));
      return { columns, now: ctx.clock.now() };
    },
  );
};
