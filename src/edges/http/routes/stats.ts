import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';

/** The overview's buckets are minutes (the view in app.ts is made with this size). */
export const ACTIVITY_BUCKET_SECONDS = 60;

const StatsQuery = Type.Object(
  { minutes: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,2}|1[0-3][0-9]{2}|14[0-3][0-9]|1440)$', description: 'window, 1 to 1440 (default 60)' })) },
  { additionalProperties: false },
);

const StatsResponse = Type.Object({
  bucket_seconds: Type.Number(),
  buckets: Type.Array(
    Type.Object({
      t: Type.Number({ description: 'start of the minute, epoch seconds' }),
      completed: Type.Integer(),
      failed: Type.Integer({ description: 'failed, crashed, timed_out, spawn_failed or gave_up' }),
      live: Type.Integer({ description: 'runs live at the end of the minute' }),
    }),
  ),
  generated_at: Type.Number(),
});

/** The overview's figures: a few aggregates per minute, so the page never scrapes /metrics. */
export const statsRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/api/stats',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Runs completed, failed and live per minute over the last N minutes (the dashboard overview)',
        querystring: StatsQuery,
        response: { 200: StatsResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const minutes = request.query.minutes === undefined ? 60 : Number(request.query.minutes);
      const now = ctx.clock.now();
      // Whole minutes, the last one being the current minute.
      return { bucket_seconds: ACTIVITY_BUCKET_SECONDS, buckets: await ctx.runActivity.series(minutes, now), generated_at: now };
    },
  );
};
