import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { principalOf } from '../auth.js';
import { claimRequestFor } from '../claim-request.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { errorResponses } from '../schemas/common.js';
import { ClaimResponse, ClaimWaitBody } from '../schemas/runs.js';

export const claimRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.post(
    '/api/claims',
    {
      config: { access: 'work' },
      schema: {
        summary: 'Claim the best ready task; 204 when none is ready (with wait_seconds: none became ready in time)',
        body: ClaimWaitBody,
        response: {
          200: ClaimResponse,
          204: { type: 'null', description: 'nothing is ready' },
          ...errorResponses(400, 401, 403, 413, 429),
        },
      },
    },
    async (request, reply) => {
      const { wait_seconds: waitSeconds = 0, ...body } = request.body;
      const token = principalOf(request);
      const claimRequest = await claimRequestFor(ctx, token, body);
      const release = waitSeconds > 0 ? ctx.holds.claims.take(token.id) : () => undefined;
      if (!release) throw new HttpError(429, `this token already holds ${ctx.holds.claims.max} waiting claims`);
      const gone = abortOnDisconnect(reply);
      let claimed;
      try {
        claimed = await ctx.claimWaiters.claim(
          { board: claimRequest.board, profile: claimRequest.profile ?? null },
          () => ctx.store.claim(claimRequest),
          { waitMs: waitSeconds * 1000, signal: gone.signal },
        );
      } finally {
        gone.release();
        release();
      }
      if (!claimed) return reply.code(204).send(null);
      ctx.runOwners.remember(claimed.run);
      ctx.metrics.claims.inc();
      return reply.code(200).send(claimed);
    },
  );
};

/** Aborts when the client goes away before its answer was written, so a held claim stops waiting. */
function abortOnDisconnect(reply: FastifyReply): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) controller.abort();
  };
  // The client may have left while the request was authenticated, before this listens.
  if (reply.raw.destroyed || reply.raw.socket?.destroyed !== false) controller.abort();
  reply.raw.on('close', onClose);
  return { signal: controller.signal, release: () => reply.raw.off('close', onClose) };
}
