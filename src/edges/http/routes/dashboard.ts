import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../../../services/tokens.js';
import type { Store } from '../../../ports/store.js';
import type { Asset } from '../dashboard-assets.js';
import { loadDashboardAssets } from '../dashboard-assets.js';
import { tokenCookie } from '../cookie.js';
import { mayOpenDashboard } from './session.js';
import { withFrameAncestors } from '../security-headers.js';

export interface DashboardRouteOptions {
  store: Store;
  dir: string;
}

/**
 * Everything the page loads comes from this server, no inline script or style: a script injected into
 * a task's title has nowhere to run from. uPlot and Preact set styles through the CSSOM, which
 * style-src does not govern.
 */
export const DASHBOARD_CSP = withFrameAncestors([
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; '));

const YEAR_SECONDS = 365 * 24 * 3600;

export const dashboardRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, opts) => {
  // Read on first use, so a server started before `npm run build` finished still serves it once built.
  let assets: Map<string, Asset> | null = null;
  const loaded = (): Map<string, Asset> | null => (assets ??= loadDashboardAssets(opts.dir));

  function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string) {
    const gzip = asset.gzip !== null && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
    reply
      .header('content-type', asset.type)
      .header('cache-control', cacheControl)
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.body);
  }

  app.get(
    '/',
    { config: { access: 'public' }, schema: { summary: 'The dashboard; ?token= logs it in (HttpOnly SameSite=Strict cookie)', hide: true } },
    async (request, reply) => {
      const page = loaded()?.get('index.html');
      if (!page) {
        return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build`.\n');
      }
      const secret = (request.query as Record<string, unknown>).token;
      // An invalid token sets nothing: the page, finding no session, shows its login form and says why.
      if (typeof secret === 'string' && secret.length > 0 && mayOpenDashboard(await authenticate(opts.store, secret))) {
        reply.header('set-cookie', tokenCookie(secret));
      }
      reply
        .header('content-security-policy', DASHBOARD_CSP)
        // The address may still hold ?token= until the page removes it: never send it on as a referrer.
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY');
      return send(request, reply, page, 'no-store');
    },
  );

  app.get(
    '/assets/*',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      const asset = loaded()?.get(`assets/${(request.params as { '*': string })['*']}`);
      if (!asset) return reply.code(404).send({ detail: 'no such asset' });
      return send(request, reply, asset, asset.hashed ? `public, max-age=${YEAR_SECONDS}, immutable` : 'no-cache');
    },
  );
};
