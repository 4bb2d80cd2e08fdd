import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiToken } from '../../../core/types.js';
import { principalOf, refuseCrossSite } from '../auth.js';
import type { ApiContext } from '../context.js';
import { clearedTokenCookie, tokenCookie } from '../cookie.js';
import { HttpError } from '../http-error.js';
import { errorResponses } from '../schemas/common.js';

const SessionResponse = Type.Object({
  role: Type.String(),
  name: Type.String(),
  heartbeat_interval_seconds: Type.Number({ description: 'registry workers turn stale after 3 intervals without a beat' }),
  progress_timeout_seconds: Type.Number(),
});

const LoginBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

/** Roles that may open the dashboard: it reads the board. A worker token acts as a worker, not a person. */
const PAGE_ROLES = new Set(['viewer', 'operator', 'admin']);

export function mayOpenDashboard(token: ApiToken | null): boolean {
  return token !== null && PAGE_ROLES.has(token.role);
}

/** Who the dashboard's cookie speaks for: the page shows or hides its actions from this. */
export const sessionRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const sessionOf = (token: ApiToken) => ({
    role: token.role,
    name: token.name,
    heartbeat_interval_seconds: ctx.settings.heartbeat_interval_seconds,
    progress_timeout_seconds: ctx.settings.progress_timeout_seconds,
  });

  app.get(
    '/api/session',
    {
      config: { access: 'read' },
      schema: { summary: "The caller's role and name, for the dashboard", response: { 200: SessionResponse, ...errorResponses(401, 403) } },
    },
    async (request) => sessionOf(principalOf(request)),
  );

  app.post(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Log the dashboard in: a valid viewer, operator or admin token becomes an HttpOnly SameSite=Strict cookie',
        body: LoginBody,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      // Even a login is a change: another site must not log this browser in under its own token.
      refuseCrossSite(request);
      const token = await ctx.authenticate(request.ip, request.body.token);
      if (!token) throw new HttpError(401, 'invalid or revoked token');
      if (!mayOpenDashboard(token)) throw new HttpError(403, `a ${token.role} token cannot open the dashboard`);
      return reply.header('set-cookie', tokenCookie(request.body.token)).send(sessionOf(token));
    },
  );

  app.delete(
    '/api/session',
    {
      config: { access: 'public', optionalBody: true },
      schema: { summary: "Log the dashboard out (clears the cookie)", response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      refuseCrossSite(request);
      return reply.header('set-cookie', clearedTokenCookie()).code(204).send(null);
    },
  );
};
