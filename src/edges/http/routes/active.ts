import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { BoardQuery, errorResponses } from '../schemas/common.js';
import { ActiveRunsResponse } from '../schemas/runs.js';

export const activeRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/api/workers/active',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Every live run with its health state; all boards unless one is named',
        querystring: BoardQuery,
        response: { 200: ActiveRunsResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const workers = await ctx.store.listActiveRuns({
        board: request.query.board,
        progress_timeout_seconds: ctx.settings.progress_timeout_seconds,
      });
      return { workers, count: workers.length, checked_at: ctx.clock.now() };
    },
  );
};
