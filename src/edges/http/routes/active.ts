import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { ActiveRun } from '../../../core/types.js';
import { BoardQuery, errorResponses } from '../schemas/common.js';
import { ActiveRunsResponse } from '../schemas/runs.js';

export const activeRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  // What the store answers again unchanged (the same array, or the same object for a run that did not
  // change) is not serialized again: with a thousand live runs that JSON is most of a request's cost.
  const listings = new WeakMap<readonly ActiveRun[], string>();
  const rows = new WeakMap<ActiveRun, string>();
  const rowJson = (run: ActiveRun): string => {
    let json = rows.get(run);
    if (json === undefined) {
      json = JSON.stringify(run);
      rows.set(run, json);
    }
    return json;
  };
  const serialize = (data: unknown): string => {
    if (!isListing(data)) return JSON.stringify(data);
    let workers = listings.get(data.workers);
    if (workers === undefined) {
      workers = `[${data.workers.map(rowJson).join(',')}]`;
      listings.set(data.workers, workers);
    }
    return `{"workers":${workers},"count":${data.count},"checked_at":${JSON.stringify(data.checked_at)}}`;
  };
  app.get(
    '/api/workers/active',
    {
      config: { access: 'read' },
      serializerCompiler: () => serialize,
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

function isListing(data: unknown): data is { workers: ActiveRun[]; count: number; checked_at: number } {
  return typeof data === 'object' && data !== null && Array.isArray((data as { workers?: unknown }).workers);
}
