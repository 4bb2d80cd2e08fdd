import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { assertSpeaksFor, principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { errorResponses } from '../schemas/common.js';
import { ClaimBody, ClaimResponse } from '../schemas/runs.js';

export const claimRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.post(
    '/api/claims',
    {
      config: { access: 'work' },
      schema: {
        summary: 'Claim the best ready task; 204 when none is ready',
        body: ClaimBody,
        response: {
          200: ClaimResponse,
          204: { type: 'null', description: 'nothing is ready' },
          ...errorResponses(400, 401, 403, 413),
        },
      },
    },
    async (request, reply) => {
      const token = principalOf(request);
      if (token.run_id !== null) throw new HttpError(403, `this token acts only on run ${token.run_id} and may not claim`);
      const body = request.body;
      assertSpeaksFor(token, body.worker);
      const host = body.host ?? ctx.hostname;
      const pid = body.pid ?? null;
      // The start time pins the pid to this very process, so a later terminate cannot hit a recycled pid.
      const startedAt = pid !== null && host === ctx.hostname ? await ctx.inspector.startTime(pid) : null;
      const claimed = await ctx.store.claim({
        worker: body.worker,
        host,
        pid,
        worker_started_at: startedAt,
        ttl_seconds: body.ttl_seconds ?? ctx.settings.default_lease_ttl_seconds,
        board: body.board,
        profile: body.profile ?? null,
      });
      if (!claimed) return reply.code(204).send(null);
      ctx.metrics.claims.inc();
      return reply.code(200).send(claimed);
    },
  );
};
