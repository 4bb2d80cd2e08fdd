import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEFAULT_CLOSED_LIMIT, isClosedLimit } from '../../../core/board-columns.js';
import { InvalidInputError } from '../../../core/errors.js';
import { DEFAULT_BOARD } from '../../../core/ids.js';
import type { BoardListing } from '../../../services/board-view.js';
import type { ApiContext } from '../context.js';
import { sendJsonParts } from '../json-parts.js';
import { errorResponses } from '../schemas/common.js';
import { BoardResponse, BoardViewQuery } from '../schemas/tasks.js';

function closedLimitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLOSED_LIMIT;
  const limit = Number(text);
  if (!isClosedLimit(limit)) throw new InvalidInputError('querystring.closed_limit must be an integer from 0 to 10000');
  return limit;
}

export const boardRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/api/board',
    {
      config: { access: 'read' },
      schema: {
        summary: `The tasks of one board by column; done and archived show their ${DEFAULT_CLOSED_LIMIT} most recently updated unless closed_limit says otherwise`,
        querystring: BoardViewQuery,
        response: { 200: BoardResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const listing = await ctx.boards.listing(request.query.board ?? DEFAULT_BOARD, closedLimitOf(request.query.closed_limit));
      return sendJsonParts(reply, boardResponseParts(listing, ctx.clock.now()));
    },
  );

  app.get(
    '/api/boards',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The names of every board (the dashboard\'s board selector)',
        response: { 200: Type.Object({ boards: Type.Array(Type.String()) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ boards: await ctx.store.listBoards() }),
  );
};

/**
 * The body of GET /api/board, the BoardResponse of `listing` at `now`, put together from the JSON the
 * view keeps of its columns. Its bytes must equal what the response schema's serializer makes of the
 * same object: test/http/kept-json.test.ts holds them to that.
 */
export function boardResponseParts(listing: BoardListing, now: number): Buffer[] {
  return [COLUMNS_HEAD, listing.json(), Buffer.from(`,"now":${JSON.stringify(now)}}`)];
}

const COLUMNS_HEAD = Buffer.from('{"columns":');
