import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidInputError, NotFoundError } from '../../../core/errors.js';
import type { Store } from '../../../ports/store.js';
import { DEFAULT_TAIL_LINES, MAX_TAIL_LINES, tailRunLog } from '../../../services/dispatcher/run-log.js';
import { parseRunId } from '../params.js';
import { errorResponses, RunIdParams } from '../schemas/common.js';

export interface RunLogRouteOptions {
  store: Store;
  /** Where the dispatcher writes run logs; null when this server runs no dispatcher. */
  logDir: string | null;
}

const RunLogQuery = Type.Object(
  { tail: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,3})$', description: `lines, default ${DEFAULT_TAIL_LINES}, max ${MAX_TAIL_LINES}` })) },
  { additionalProperties: false },
);

const RunLogResponse = Type.Object({
  run_id: Type.Integer(),
  lines: Type.Array(Type.String()),
  truncated: Type.Boolean({ description: 'earlier output exists (or was rotated away) that lines leave out' }),
});

export const runLogRoutes: FastifyPluginAsyncTypebox<RunLogRouteOptions> = async (app, opts) => {
  app.get(
    '/api/runs/:id/log',
    {
      config: { access: 'read' },
      schema: {
        summary: "The last lines of a dispatched run's stdout and stderr",
        params: RunIdParams,
        querystring: RunLogQuery,
        response: { 200: RunLogResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const runId = parseRunId(request.params.id);
      const count = request.query.tail === undefined ? DEFAULT_TAIL_LINES : Number(request.query.tail);
      if (count > MAX_TAIL_LINES) throw new InvalidInputError(`tail must be at most ${MAX_TAIL_LINES}, got ${count}`);
      const run = await opts.store.getRun(runId);
      if (!run) throw new NotFoundError(`run ${runId} not found`);
      const tail = opts.logDir === null ? null : await tailRunLog(opts.logDir, runId, count);
      if (tail === null) throw new NotFoundError(`run ${runId} has no log`);
      return { run_id: runId, lines: tail.lines, truncated: tail.truncated };
    },
  );
};
