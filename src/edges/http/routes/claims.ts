import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf } from '../auth.js';
import { claimRequestFor } from '../claim-request.js';
import type { ApiContext } from '../context.js';
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
      const claimed = await ctx.store.claim(await claimRequestFor(ctx, principalOf(request), request.body));
      if (!claimed) return reply.code(204).send(null);
      ctx.metrics.claims.inc();
      return reply.code(200).send(claimed);
    },
  );
};
