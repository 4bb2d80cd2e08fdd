import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiContext } from '../context.js';

export const systemRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness',
        response: { 200: Type.Object({ ok: Type.Boolean(), store: Type.String(), bus: Type.String(), bus_connected: Type.Boolean() }) },
      },
    },
    async () => ({ ok: true, store: ctx.store.kind, bus: ctx.bus.kind, bus_connected: ctx.bus.connected }),
  );

  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );

  app.get(
    '/openapi.json',
    { config: { access: 'public' }, schema: { summary: 'This API as an OpenAPI 3 document' } },
    async () => app.swagger(),
  );
};
