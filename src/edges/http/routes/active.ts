import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { ActiveRun } from '../../../core/types.js';
import { errorResponses } from '../schemas/common.js';
import { ActiveQuery, ActiveRunsResponse } from '../schemas/runs.js';

export const activeRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  // What the store answers again unchanged (the same array, or the same object for a run that did not
  // change) is not serialized again: with a thousand live runs that JSON is most of a request's cost.
  // The listing is kept as bytes, so a request copies them instead of building and encoding a string
  // of several hundred kilobytes each time.
  const listings = new WeakMap<readonly ActiveRun[], Buffer>();
  const rows = new WeakMap<ActiveRun, string>();
  const rowJson = (run: ActiveRun): string => {
    let json = rows.get(run);
    if (json === undefined) {
      json = JSON.stringify(run);
      rows.set(run, json);
    }
    return json;
  };
  const listingBytes = (workers: readonly ActiveRun[]): Buffer => {
    let bytes = listings.get(workers);
    if (bytes === undefined) {
      bytes = Buffer.from(`{"workers":[${workers.map(rowJson).join(',')}]`);
      listings.set(workers, bytes);
    }
    return bytes;
  };
  /** Each row's kept JSON with its process answer spliced in before the closing brace. */
  const inspectedListing = async (workers: readonly ActiveRun[]): Promise<string> => {
    const inspections = workers.length === 0 ? [] : await ctx.runControl.inspectRuns(workers.map((w) => w.run_id));
    const rowsJson = workers.map((run, i) => `${rowJson(run).slice(0, -1)},"process":${JSON.stringify(inspections[i])}}`);
    return `{"workers":[${rowsJson.join(',')}],"count":${workers.length},"checked_at":${JSON.stringify(ctx.clock.now())}}`;
  };
  app.get(
    '/api/workers/active',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Every live run with its health state; all boards unless one is named; with inspect=1 each row has its process figures',
        querystring: ActiveQuery,
        response: { 200: ActiveRunsResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const workers = await ctx.store.listActiveRuns({
        board: request.query.board,
        progress_timeout_seconds: ctx.settings.progress_timeout_seconds,
      });
      if (request.query.inspect === '1') return reply.type('application/json; charset=utf-8').send((await inspectedListing(workers)) as never);
      const tail = Buffer.from(`,"count":${workers.length},"checked_at":${JSON.stringify(ctx.clock.now())}}`);
      const body = Buffer.concat([listingBytes(workers), tail]);
      // Already the JSON of ActiveRunsResponse: Fastify sends a Buffer as it is, past the serializer
      // (hence the cast: the type provider expects the object).
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );
};
