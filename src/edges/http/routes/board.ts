import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEFAULT_CLOSED_LIMIT, isClosedLimit } from '../../../core/board-columns.js';
import { InvalidInputError } from '../../../core/errors.js';
import { DEFAULT_BOARD } from '../../../core/ids.js';
import type { BoardListing } from '../../../services/board-view.js';
import type { ApiContext } from '../context.js';
import { KeptBodies } from '../kept-bodies.js';
import { errorResponses } from '../schemas/common.js';
import { BoardResponse, BoardViewQuery } from '../schemas/tasks.js';

function closedLimitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLOSED_LIMIT;
  const limit = Number(text);
  if (!isClosedLimit(limit)) throw new InvalidInputError('querystring.closed_limit must be an integer from 0 to 10000');
  return limit;
}

export const boardRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const bodies = new KeptBodies<BoardListing>();
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
      return bodies.send(reply, listing, () => [COLUMNS_HEAD, listing.json()], `,"now":${JSON.stringify(ctx.clock.now())}}`);
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
 * The body of GET /api/board is `{"columns":`, the JSON the view keeps of the listing's columns, and
 * `"now"`. Its bytes must equal what the response schema's serializer makes of the same object:
 * test/http/kept-json.test.ts holds them to that.
 */
const COLUMNS_HEAD = Buffer.from('{"columns":');
