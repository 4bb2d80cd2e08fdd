import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../../core/errors.js';
import { healthSubject } from '../../../core/subjects.js';
import type { ApiToken } from '../../../core/types.js';
import { assertSpeaksFor, principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { EmptyBody, errorResponses, WorkerNameParams } from '../schemas/common.js';
import {
  HealthBeatAccepted,
  HealthBeatBatchAccepted,
  HealthBeatBatchBody,
  HealthBeatBody,
  StopAccepted,
  WorkersResponse,
} from '../schemas/workers.js';

export const workerRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const { registry } = ctx;

  function knownWorker(name: string): string {
    if (!registry.isKnown(name)) throw new NotFoundError(`worker ${name} is not known`);
    return name;
  }

  /**
   * Recorded here so the row is ok before the answer leaves; published so other servers' registries see
   * it too (this server's registry knows the echo and does not record it twice).
   */
  function acceptBeat(name: string, extra: Record<string, unknown>, receivedAt: number): void {
    const beat = { ...extra, ts: receivedAt };
    registry.recordPublished(name, beat, receivedAt);
    ctx.bus.publish(healthSubject(name), beat);
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
      acceptBeat(name, extra, ctx.clock.now());
      ctx.metrics.healthBeats.inc();
      return reply.code(202).send({
        accepted: true,
        control: ctx.workerControl.takePending(name),
        heartbeat_interval_seconds: ctx.settings.heartbeat_interval_seconds,
      });
    },
  );

  /** Every beat is checked before any is recorded: one refused beat refuses the batch. */
  function checkBatch(principal: ApiToken, names: readonly string[]): void {
    names.forEach((name, i) => {
      try {
        assertSpeaksFor(principal, name);
        knownWorker(name);
      } catch (err) {
        if (err instanceof HttpError) throw new HttpError(err.statusCode, `body.beats[${i}]: ${err.message}`);
        if (err instanceof NotFoundError) throw new NotFoundError(`body.beats[${i}]: ${err.message}`);
        throw err;
      }
    });
  }

  app.post(
    '/api/heartbeats/batch',
    {
      config: { access: 'work' },
      schema: {
        summary: 'Up to 1000 health beats in one request, all recorded or none; same rules per name as /api/heartbeats',
        body: HealthBeatBatchBody,
        response: { 202: HealthBeatBatchAccepted, ...errorResponses(400, 401, 403, 404, 413) },
      },
    },
    async (request, reply) => {
      const { beats } = request.body;
      checkBatch(
        principalOf(request),
        beats.map((beat) => beat.name),
      );
      const receivedAt = ctx.clock.now();
      const controls: { worker: string; action: 'stop' }[] = [];
      for (const { name, ...extra } of beats) {
        acceptBeat(name, extra, receivedAt);
        const control = ctx.workerControl.takePending(name);
        if (control) controls.push({ worker: name, action: control.action });
      }
      ctx.metrics.healthBeats.inc(beats.length);
      return reply.code(202).send({ accepted: beats.length, controls });
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
