import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiToken, Role } from '../../core/types.js';
import type { Store } from '../../ports/store.js';
import type { FailureLimiter } from '../../core/failure-limiter.js';
import type { Clock } from '../../ports/clock.js';
import { authenticate, hashTokenSecret } from '../../services/tokens.js';
import { readCookie, TOKEN_COOKIE } from './cookie.js';
import { HttpError } from './http-error.js';

/** What a route asks of its caller. */
export type Access = 'public' | 'read' | 'edit' | 'work' | 'admin';

const ROLES_OF_ACCESS: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  read: ['viewer', 'operator', 'admin'],
  edit: ['operator', 'admin'],
  work: ['worker', 'admin'],
  admin: ['admin'],
};

const WHAT_ACCESS_MEANS: Record<Exclude<Access, 'public'>, string> = {
  read: 'read the board',
  edit: 'change tasks and runs',
  work: 'act as a worker',
  admin: 'manage tokens',
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: ApiToken | null;
  }
}

export interface AuthDeps {
  /** Every check of a secret, by this hook or a login, goes through the one failure limit. */
  authenticate: GuardedAuthenticate;
  /** Workers that authenticate become known to the registry (DESIGN: registry workers). */
  onWorkerSeen: (name: string) => void;
}

/**
 * The token a secret presented from `address` stands for, or null; 429 once the address failed too
 * often. A token known from a recent request is answered as it is, without a promise.
 */
export type GuardedAuthenticate = (address: string, secret: string) => ApiToken | null | Promise<ApiToken | null>;

const REMEMBER_ACCEPTED_SECONDS = 600;
const MAX_REMEMBERED_SECRETS = 10_000;

/**
 * The onRequest hook: who is calling, and may they call this route. Runs before the body is read. A
 * callback, not an async function: with the token cached it finishes in the same turn (see authenticate).
 */
export function createAuthHook(deps: AuthDeps) {
  type Need = Exclude<Access, 'public'> | 'any';
  const admit = (request: FastifyRequest, need: Need, token: ApiToken | null): void => {
    if (!token) throw new HttpError(401, 'invalid or revoked token');
    if (need !== 'any' && !ROLES_OF_ACCESS[need].includes(token.role)) {
      throw new HttpError(403, `a ${token.role} token may not ${WHAT_ACCESS_MEANS[need]}`);
    }
    if (token.role === 'worker') deps.onWorkerSeen(token.name);
    request.principal = token;
  };
  const check = (request: FastifyRequest): void | Promise<void> => {
    const need = accessOf(request);
    if (need === 'public') return;
    const presented = presentedSecret(request);
    if (!presented) throw new HttpError(401, 'authentication required: send Authorization: Bearer <token>');
    if (presented.from === 'cookie') refuseCrossSite(request);
    const found = deps.authenticate(request.ip, presented.secret);
    if (found instanceof Promise) return found.then((token) => admit(request, need, token));
    admit(request, need, found);
  };
  return function authorize(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
    let checked: void | Promise<void>;
    try {
      checked = check(request);
    } catch (err) {
      return done(err as Error);
    }
    if (checked instanceof Promise) checked.then(() => done(), done);
    else done();
  };
}

/**
 * Guessing secrets is refused per address once it failed too often: a blocked address is answered 429
 * without a lookup. A secret this server accepted in the last few minutes is still looked up (so its
 * revocation holds), so a guesser sharing an address (every local client is 127.0.0.1) cannot lock
 * the real workers out.
 */
export function guardedAuthenticate(deps: { store: Store; failures: FailureLimiter; clock: Clock }): GuardedAuthenticate {
  const recentlyAccepted = new Map<string, number>();
  const judged = (address: string, hash: string, now: number, token: ApiToken | null): ApiToken | null => {
    if (!token) {
      deps.failures.record(address, now);
      return null;
    }
    if (recentlyAccepted.size >= MAX_REMEMBERED_SECRETS) recentlyAccepted.clear();
    recentlyAccepted.set(hash, now + REMEMBER_ACCEPTED_SECONDS);
    return token;
  };
  return (address, secret) => {
    const now = deps.clock.now();
    const hash = hashTokenSecret(secret);
    const blockedFor = deps.failures.blockedFor(address, now);
    if (blockedFor !== null && !((recentlyAccepted.get(hash) ?? 0) > now)) {
      const seconds = Math.max(1, Math.ceil(blockedFor));
      throw new HttpError(429, `too many failed authentications from ${address}: try again in ${seconds} s`, { 'retry-after': String(seconds) });
    }
    // The hash already taken above: hashing is a measured share of a small request's cost.
    const found = authenticate(deps.store, secret, hash);
    return found instanceof Promise ? found.then((token) => judged(address, hash, now, token)) : judged(address, hash, now, found);
  };
}

/** Routes say what they need; an /api path without a route (a 404) still needs a valid token. */
function accessOf(request: FastifyRequest): Access | 'any' {
  const declared = request.routeOptions.config?.access;
  if (declared) return declared;
  return request.url.startsWith('/api/') || request.url === '/api' ? 'any' : 'public';
}

function presentedSecret(request: FastifyRequest): { secret: string; from: 'header' | 'cookie' } | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new HttpError(401, 'Authorization header must be "Bearer <token>"');
    return { secret: match[1], from: 'header' };
  }
  const cookie = readCookie(request.headers.cookie, TOKEN_COOKIE);
  return cookie ? { secret: cookie, from: 'cookie' } : null;
}

/**
 * A cookie rides along on requests other sites make the browser send; a change arriving with a
 * cookie must show it comes from a page of this server: Sec-Fetch-Site same-origin, or an Origin
 * naming this host. A request that shows neither is refused (an old browser or a forged form alike).
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  if (site === undefined && origin === undefined) {
    throw new HttpError(403, 'cross-site request refused: a cookie-authenticated change needs a same-origin Origin or Sec-Fetch-Site');
  }
  if (site !== undefined && site !== 'same-origin') throw new HttpError(403, 'cross-site request refused');
  if (origin !== undefined && originHost(origin) !== request.headers.host) throw new HttpError(403, 'cross-site request refused');
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

export function principalOf(request: FastifyRequest): ApiToken {
  if (!request.principal) throw new HttpError(401, 'authentication required');
  return request.principal;
}

export function actorOf(request: FastifyRequest): string {
  const token = principalOf(request);
  return `${token.role}:${token.name}`;
}

/** A worker token speaks only for its own worker name; an admin may speak for any. */
export function assertSpeaksFor(token: ApiToken, name: string): void {
  if (token.role === 'worker' && token.name !== name) {
    throw new HttpError(403, `a worker token for ${token.name} may not speak for ${name}`);
  }
}

/** A per-run token (handed to a spawned child) may only touch its own run. */
export function assertMayTouchRun(token: ApiToken, runId: number): void {
  if (token.run_id !== null && token.run_id !== runId) {
    throw new HttpError(403, `this token acts only on run ${token.run_id}`);
  }
}
