import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../../core/errors.js';
import type { Json } from '../../../core/types.js';
import { actorOf, assertMayTouchRun, principalOf } from '../auth.js';
import { claimRequestFor } from '../claim-request.js';
import type { ApiContext } from '../context.js';
import { CompletionBatcher } from '../../../services/completion-batcher.js';
import { parseRunId, publicRun } from '../params.js';
import { errorResponses, RunIdParams } from '../schemas/common.js';
import {
  CompleteBody,
  CompleteResponse,
  InspectManyBody,
  InspectManyResponse,
  InspectResponse,
  RunHeartbeatBody,
  RunHeartbeatResponse,
  RunResponse,
  StopResultSchema,
  TerminateBody,
} from '../schemas/runs.js';

export const runRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const { store } = ctx;
  // The worker now knows how its run ended, so its per-run token has nothing left to do; revoked here
  // too because no dispatcher may be watching the process (a server restarted without one).
  const revokeRunTokens = (runId: number) => store.revokeRunTokens(runId);
  // Workers' completions that reach the server in the same tick share one commit.
  const completions = new CompletionBatcher(store);
  const owners = ctx.runOwners;

  app.post(
    '/api/runs/:id/heartbeat',
    {
      config: { access: 'work' },
      schema: {
        summary: "Extend a run's lease; 409 once the run has ended or was stopped",
        params: RunIdParams,
        body: RunHeartbeatBody,
        response: { 200: RunHeartbeatResponse, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request) => {
      const runId = parseRunId(request.params.id);
      const principal = principalOf(request);
      assertMayTouchRun(principal, runId);
      await owners.assertMayAct(principal, runId);
      const { claim_token, progress, note } = request.body;
      // The dispatcher keeps its children's leases alive itself, so a dispatched worker's own heartbeat
      // (per-run token) is progress; a note marks progress without overwriting the reported progress value.
      const marksProgress = principal.run_id !== null && progress === undefined && note === undefined;
      const answer = await store.heartbeat(runId, claim_token, {
        ...(progress !== undefined ? { progress: progress as Json } : {}),
        ...(note !== undefined ? { note } : marksProgress ? { note: 'worker heartbeat' } : {}),
      });
      ctx.metrics.runHeartbeats.inc();
      return answer;
    },
  );

  app.post(
    '/api/runs/:id/complete',
    {
      config: { access: 'work' },
      schema: {
        summary:
          'Report how a run ended; 409 once the run has ended or was stopped. With claim_next, the next task is claimed in the same transaction (nothing when the completion is refused)',
        params: RunIdParams,
        body: CompleteBody,
        response: { 200: CompleteResponse, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request) => {
      const runId = parseRunId(request.params.id);
      const principal = principalOf(request);
      assertMayTouchRun(principal, runId);
      await owners.assertMayAct(principal, runId);
      const { claim_token, outcome, summary, result, error, claim_next } = request.body;
      const report = {
        outcome,
        ...(summary !== undefined ? { summary } : {}),
        ...(result !== undefined ? { result: result as Json } : {}),
        ...(error !== undefined ? { error } : {}),
      };
      // Checked before the completion, so a claim this token may not make leaves the run as it was.
      const next = claim_next === undefined ? undefined : await claimRequestFor(ctx, principal, claim_next);
      if (next === undefined) {
        const ended = await store.complete(runId, claim_token, report);
        await revokeRunTokens(runId);
        return { run: publicRun(ended.run), task: ended.task };
      }
      const ended = await completions.completeAndClaim(runId, claim_token, report, next);
      await revokeRunTokens(runId);
      const claimed = ended.next;
      if (claimed) {
        owners.remember(claimed.run);
        ctx.metrics.claims.inc();
      }
      return { run: publicRun(ended.run), task: ended.task, next: claimed };
    },
  );

  app.get(
    '/api/runs/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'One run (never its claim_token)',
        params: RunIdParams,
        response: { 200: RunResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const runId = parseRunId(request.params.id);
      const run = await store.getRun(runId);
      if (!run) throw new NotFoundError(`run ${runId} not found`);
      return { run: publicRun(run) };
    },
  );

  app.get(
    '/api/runs/:id/inspect',
    {
      config: { access: 'read' },
      schema: {
        summary: "Live figures of a run's worker process, checked against its recorded start time",
        params: RunIdParams,
        response: { 200: InspectResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ctx.runControl.inspectRun(parseRunId(request.params.id)),
  );

  app.post(
    '/api/runs/inspect',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Live figures of many runs in one request (1 to 1000 ids): the single inspect answer per run, in order',
        body: InspectManyBody,
        response: { 200: InspectManyResponse, ...errorResponses(400, 401, 403, 413) },
      },
    },
    async (request) => ({ inspections: await ctx.runControl.inspectRuns(request.body.run_ids), checked_at: ctx.clock.now() }),
  );

  app.post(
    '/api/runs/:id/terminate',
    {
      config: { access: 'edit', optionalBody: true },
      schema: {
        summary: 'Stop a run: fence its token, SIGTERM then SIGKILL after the grace, move its task',
        params: RunIdParams,
        body: TerminateBody,
        response: { 200: StopResultSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const runId = parseRunId(request.params.id);
      const body = request.body;
      const result = await ctx.runControl.stopRun(runId, {
        outcome: 'terminated',
        then: body.then ?? 'requeue',
        reason: body.reason ?? 'terminated by an operator',
        actor: actorOf(request),
        grace_seconds: body.grace_seconds ?? ctx.settings.default_grace_seconds,
      });
      ctx.metrics.terminations.inc();
      return result;
    },
  );
};
