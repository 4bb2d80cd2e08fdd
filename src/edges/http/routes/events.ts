import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidInputError } from '../../../core/errors.js';
import { principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { parseEventId } from '../params.js';
import { EVENT_ID_PATTERN, errorResponses } from '../schemas/common.js';
import { EventsQuery, MAX_RECENT_EVENTS, RecentEventsQuery } from '../schemas/events.js';
import { EventRowSchema } from '../schemas/tasks.js';
import { Type } from 'typebox';
import { SseWriter } from '../sse.js';

const EVENT_ID = new RegExp(EVENT_ID_PATTERN);

/** Last-Event-ID (what EventSource sends on reconnect) wins over the query, which serves the first connect. */
function resumePoint(header: string | string[] | undefined, query: string | undefined): number | null {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && fromHeader !== '') {
    if (!EVENT_ID.test(fromHeader)) throw new InvalidInputError('Last-Event-ID must be a non-negative integer');
    return parseEventId(fromHeader, 'Last-Event-ID');
  }
  return query === undefined ? null : parseEventId(query, 'last_event_id');
}

const DEFAULT_RECENT_EVENTS = 50;

export const eventRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get(
    '/api/events/recent',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Event rows as JSON, oldest first: those after after_id, or those among the last `limit` ids',
        querystring: RecentEventsQuery,
        response: {
          200: Type.Object({ events: Type.Array(EventRowSchema), last_event_id: Type.Integer() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? DEFAULT_RECENT_EVENTS : Number(request.query.limit);
      if (limit > MAX_RECENT_EVENTS) throw new InvalidInputError(`limit must be at most ${MAX_RECENT_EVENTS}, got ${limit}`);
      const last = await ctx.store.lastEventId();
      const after = request.query.after_id === undefined ? Math.max(0, last - limit) : parseEventId(request.query.after_id, 'after_id');
      const events = await ctx.store.listEvents({ after_id: after, limit, ...(request.query.board ? { board: request.query.board } : {}) });
      return { events, last_event_id: last };
    },
  );

  app.get(
    '/api/events',
    {
      config: { access: 'read' },
      // A HEAD would open a stream that never ends.
      exposeHeadRoute: false,
      schema: {
        summary: 'Server-Sent Events: event rows (id = row id) and registry changes (event: worker, no id)',
        querystring: EventsQuery,
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const afterId = resumePoint(request.headers['last-event-id'], request.query.last_event_id);
      const release = ctx.holds.streams.take(principalOf(request).id);
      if (!release) throw new HttpError(429, `this token already holds ${ctx.holds.streams.max} open event streams`);
      const writer = new SseWriter(reply.raw);
      reply.hijack();
      writer.open();
      let leave: (() => void) | null = null;
      let disconnected = false;
      // The response closes when the client goes away (or the server ends the stream).
      reply.raw.once('close', () => {
        disconnected = true;
        release();
        leave?.();
      });
      try {
        leave = await ctx.feed.join(
          {
            board: request.query.board ?? null,
            event: (row) => writer.event(row),
            worker: (row) => writer.worker(row),
            comment: (text) => writer.comment(text),
            close: () => writer.close(),
          },
          afterId,
        );
        if (disconnected) leave();
      } catch (err) {
        request.log.error({ err }, 'event stream failed');
        writer.close();
      }
    },
  );
};
