import type { Static } from 'typebox';
import type { ApiToken } from '../../core/types.js';
import type { ClaimRequest } from '../../ports/store.js';
import { assertSpeaksFor } from './auth.js';
import type { ApiContext } from './context.js';
import { HttpError } from './http-error.js';
import type { ClaimBody } from './schemas/runs.js';

/**
 * The store's claim request for a claim body (POST /api/claims, or claim_next of a completion), after
 * the rules both share: a per-run token may not claim, a worker token claims only as its own worker.
 */
export async function claimRequestFor(ctx: ApiContext, token: ApiToken, body: Static<typeof ClaimBody>): Promise<ClaimRequest> {
  if (token.run_id !== null) throw new HttpError(403, `this token acts only on run ${token.run_id} and may not claim`);
  assertSpeaksFor(token, body.worker);
  const host = body.host ?? ctx.hostname;
  const pid = body.pid ?? null;
  // The start time pins the pid to this very process, so a later terminate cannot hit a recycled pid.
  const startedAt = pid !== null && host === ctx.hostname ? await ctx.inspector.startTime(pid) : null;
  return {
    worker: body.worker,
    host,
    pid,
    worker_started_at: startedAt,
    ttl_seconds: body.ttl_seconds ?? ctx.settings.default_lease_ttl_seconds,
    board: body.board,
    profile: body.profile ?? null,
  };
}
