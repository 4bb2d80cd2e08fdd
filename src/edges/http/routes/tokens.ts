import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../../core/errors.js';
import { issueToken, revokeToken } from '../../../services/tokens.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';
import { IssuedTokenResponse, NewTokenBody, RevokedResponse, TokenIdParams, TokenList } from '../schemas/tokens.js';

export const tokenRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.post(
    '/api/tokens',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Issue a token; the secret is shown once',
        body: NewTokenBody,
        response: { 201: IssuedTokenResponse, ...errorResponses(400, 401, 403, 413) },
      },
    },
    async (request, reply) => {
      const { role, name } = request.body;
      const issued = await issueToken(ctx.store, { role, name });
      if (role === 'worker') ctx.registry.addKnown(name);
      return reply.code(201).send({ token: issued.token, id: issued.record.id, role, name: issued.record.name });
    },
  );

  app.get(
    '/api/tokens',
    {
      config: { access: 'admin' },
      schema: { summary: 'List tokens (never their secrets)', response: { 200: TokenList, ...errorResponses(401, 403) } },
    },
    async () => ({ tokens: await ctx.store.listTokens() }),
  );

  app.delete(
    '/api/tokens/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Revoke a token',
        params: TokenIdParams,
        response: { 200: RevokedResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await revokeToken(ctx.store, id))) throw new NotFoundError(`token ${id} not found`);
      return { ok: true, id };
    },
  );
};
