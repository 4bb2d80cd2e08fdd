import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import type { ActiveRunListing } from '../../../services/active-run-view.js';
import { sendJsonParts } from '../json-parts.js';
import { KeptBodies } from '../kept-bodies.js';
import { errorResponses } from '../schemas/common.js';
import { ActiveQuery, ActiveRunsResponse, InspectResponse } from '../schemas/runs.js';

export const activeRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const bodies = new KeptBodies<ActiveRunListing>();
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
      const listing = await ctx.activeRuns.listing({
        board: request.query.board,
        progress_timeout_seconds: ctx.settings.progress_timeout_seconds,
      });
      if (request.query.inspect !== '1') {
        return bodies.send(reply, listing, () => [WORKERS_HEAD, ...listing.jsonParts()], activeRunsTail(listing, ctx.clock.now()));
      }
      const runs = listing.runs;
      const inspections = runs.length === 0 ? [] : await ctx.runControl.inspectRuns(runs.map((run) => run.run_id));
      // Each answer through the serializer of its own schema (compiled once, kept by Fastify).
      const processJson = reply.compileSerializationSchema(INSPECT_RESPONSE);
      const processes = inspections.map((answer) => processJson(answer));
      return sendJsonParts(reply, activeRunsResponseParts(listing, ctx.clock.now(), processes));
    },
  );
};

/**
 * The body of GET /api/workers/active, the ActiveRunsResponse of `listing` at `checkedAt`, put together
 * from the JSON the view keeps of the listing and of each run instead of serialising a thousand rows
 * again: `{"workers":` and the listing's parts, then this tail. With `processes` (each run's inspect
 * answer as JSON, in order) each row gets its `process`. The bytes must equal what the response schema's
 * serializer makes of the same object: test/http/kept-json.test.ts holds them to that.
 */
function activeRunsTail(listing: ActiveRunListing, checkedAt: number): string {
  return `,"count":${listing.runs.length},"checked_at":${JSON.stringify(checkedAt)}}`;
}

function activeRunsResponseParts(listing: ActiveRunListing, checkedAt: number, processes: readonly string[]): Buffer[] {
  const tail = Buffer.from(activeRunsTail(listing, checkedAt));
  // Each row's JSON with its process answer spliced in before the closing brace.
  const rows = listing.runs.map((_, i) => `${listing.runJson(i).slice(0, -1)},"process":${processes[i]}}`);
  return [WORKERS_HEAD, Buffer.from(`[${rows.join(',')}]`), tail];
}

const WORKERS_HEAD = Buffer.from('{"workers":');
/** The schema as Fastify's serializer compiler takes it (a TypeBox object has no index signature). */
const INSPECT_RESPONSE = InspectResponse as unknown as Record<string, unknown>;
