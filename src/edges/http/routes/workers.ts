import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../../core/errors.js';
import { healthSubject } from '../../../core/subjects.js';
import { assertSpeaksFor, principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { EmptyBody, errorResponses, WorkerNameParams } from '../schemas/common.js';
import { HealthBeatAccepted, HealthBeatBody, StopAccepted, WorkersResponse } from '../schemas/workers.js';

export const workerRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const { registry } = ctx;

  function knownWorker(name: string): string {
    if (!registry.isKnown(name)) throw new NotFoundError(`worker ${name} is not known`);
    return name;
  }

  app.get(
    '/api/workers',
    {
      config: { access: 'read' },
      schema: {
        summary: 'The registry: every known long-lived worker and whether it is alive',
        response: { 200: WorkersResponse, ...errorResponses(401, 403) },
      },
    },
    async () => ({ workers: registry.snapshot(), generated_at: ctx.clock.now(), bus_connected: ctx.bus.connected }),
  );

  app.post(
    '/api/heartbeats',
    {
      config: { access: 'work' },
      schema: {
        summary: 'A health beat for workers without bus access; the answer carries a pending stop',
        body: HealthBeatBody,
        response: { 202: HealthBeatAccepted, ...errorResponses(400, 401, 403, 404, 413) },
      },
    },
    async (request, reply) => {
      const { name, ...extra } = request.body;
      assertSpeaksFor(principalOf(request), name);
      knownWorker(name);
      const receivedAt = ctx.clock.now();
      const beat = { ...extra, ts: receivedAt };
      // Recorded here so the row is ok before the answer leaves; published so other servers' registries
      // see it too. This server's registry hears the echo as a later beat of the same worker, which only
      // moves its receive time forward.
      registry.record(name, beat, receivedAt);
      ctx.bus.publish(healthSubject(name), beat);
      ctx.metrics.healthBeats.inc();
      return reply.code(202).send({ accepted: true, control: ctx.workerControl.takePending(name) });
    },
  );

  app.post(
    '/api/workers/:name/stop',
    {
      config: { access: 'edit', optionalBody: true },
      schema: {
        summary: 'Ask a long-lived worker to stop (on the bus, and in its next HTTP heartbeat answer)',
        params: WorkerNameParams,
        body: EmptyBody,
        response: { 202: StopAccepted, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const name = knownWorker(request.params.name);
      const command = ctx.workerControl.stop(name);
      return reply.code(202).send({ accepted: true, worker: name, action: command.action });
    },
  );
};
