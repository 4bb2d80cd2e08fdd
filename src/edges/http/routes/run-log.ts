import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { InvalidInputError, NotFoundError } from '../../../core/errors.js';
import { STREAM_KEEP_ALIVE_MS } from '../../../core/stream-keep-alive.js';
import type { Store } from '../../../ports/store.js';
import { DEFAULT_TAIL_LINES, MAX_TAIL_LINES, tailRunLog } from '../../../services/dispatcher/run-log.js';
import { RunLogFollower } from '../../../services/dispatcher/run-log-follower.js';
import { parseEventId } from '../params.js';
import { parseRunId } from '../params.js';
import { errorResponses, EVENT_ID_PATTERN, RunIdParams } from '../schemas/common.js';

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

/** How often a followed log is looked at for new lines and its run for its end. */
const FOLLOW_POLL_MS = 300;
const EVENT_ID = new RegExp(EVENT_ID_PATTERN);

export const runLogRoutes: FastifyPluginAsyncTypebox<RunLogRouteOptions> = async (app, opts) => {
  // Followed logs end with the server, like event streams: a closing server waits for no client.
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of [...streams]) end();
  });
  app.get(
    '/api/runs/:id/log/stream',
    {
      config: { access: 'read' },
      exposeHeadRoute: false,
      schema: {
        summary: "Server-Sent Events of a dispatched run's log lines (id = line number; Last-Event-ID resumes), then event: end once the run is over",
        params: RunIdParams,
        querystring: RunLogQuery,
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const runId = parseRunId(request.params.id);
      const header = request.headers['last-event-id'];
      const resume = Array.isArray(header) ? header[0] : header;
      if (resume !== undefined && resume !== '' && !EVENT_ID.test(resume)) {
        throw new InvalidInputError('Last-Event-ID must be a line number (a non-negative integer)');
      }
      const seen = resume === undefined || resume === '' ? null : parseEventId(resume, 'Last-Event-ID');
      const tail = request.query.tail === undefined ? DEFAULT_TAIL_LINES : Number(request.query.tail);
      if (tail > MAX_TAIL_LINES) throw new InvalidInputError(`tail must be at most ${MAX_TAIL_LINES}, got ${tail}`);
      if (!(await opts.store.getRun(runId))) throw new NotFoundError(`run ${runId} not found`);
      const follower = opts.logDir === null ? null : new RunLogFollower(opts.logDir, runId);
      const first = follower === null ? null : await follower.start(seen, tail);
      if (follower === null || first === null) throw new NotFoundError(`run ${runId} has no log`);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
      let number = follower.lineNumber - first.length;
      const send = (lines: string[]) => {
        for (const line of lines) raw.write(`id: ${++number}\ndata: ${JSON.stringify(line)}\n\n`);
      };
      raw.write('retry: 1000\n\n');
      send(first);
      let closed = false;
      let lastWrite = Date.now();
      const timer = setInterval(() => void tick(), FOLLOW_POLL_MS);
      const end = () => {
        clearInterval(timer);
        raw.end();
      };
      streams.add(end);
      raw.once('close', () => {
        closed = true;
        clearInterval(timer);
        streams.delete(end);
      });
      let busy = false;
      const tick = async () => {
        if (busy || closed) return;
        busy = true;
        try {
          // Read the run first: lines written before it ended are then certain to be read below.
          const run = await opts.store.getRun(runId);
          const lines = await follower.next();
          send(lines);
          if (lines.length > 0) lastWrite = Date.now();
          if (run === null || (run.ended_at !== null && lines.length === 0)) {
            send(follower.flush());
            raw.end('event: end\ndata: {}\n\n');
            clearInterval(timer);
          } else if (Date.now() - lastWrite > STREAM_KEEP_ALIVE_MS) {
            raw.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
        } catch (err) {
          request.log.error({ err }, 'run log stream failed');
          clearInterval(timer);
          raw.destroy();
        } finally {
          busy = false;
        }
      };
    },
  );

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
