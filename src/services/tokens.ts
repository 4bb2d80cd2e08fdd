import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, InvalidInputError } from '../core/errors.js';
import { MIN_ADMIN_SECRET_LENGTH } from '../core/token-input.js';
import type { ApiToken, Role } from '../core/types.js';
import type { Store } from '../ports/store.js';

export const TOKEN_PREFIX = 'pb_';
/** Long enough to absorb a burst of requests, short enough that a revoke made elsewhere lands quickly. */
const CACHE_TTL_MS = 2000;
const CACHE_MAX_ENTRIES = 1000;
const MAX_SECRET_LENGTH = 512;
/** The admin token that PULSEBOARD_TOKEN made; a start with another one revokes it. */
export const ENVIRONMENT_TOKEN_NAME = 'environment';

export interface IssuedToken {
  token: string;
  record: ApiToken;
}

export function newTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Creates a token; the secret is returned once and only its hash is stored. */
export async function issueToken(
  store: Store,
  input: { role: Role; name: string; run_id?: number | null },
): Promise<IssuedToken> {
  const token = newTokenSecret();
  const record = await store.createToken({
    role: input.role,
    name: input.name,
    secret_hash: hashTokenSecret(token),
    run_id: input.run_id ?? null,
  });
  return { token, record };
}

interface CacheEntry {
  token: ApiToken | null;
  expiresAt: number;
}

// Keyed by store so two servers in one process (tests) never share answers.
const caches = new WeakMap<Store, Map<string, CacheEntry>>();

function cacheOf(store: Store): Map<string, CacheEntry> {
  let cache = caches.get(store);
  if (!cache) {
    cache = new Map();
    caches.set(store, cache);
  }
  return cache;
}

/**
 * The token a secret stands for, or null. Reads only; answers are cached briefly so a request costs no
 * query, and a cached answer is given as it is, not in a promise, so that the auth hook can finish in
 * the request's own turn: the reason every hook a request passes is a plain callback (edges/http/app.ts).
 */
export function authenticate(store: Store, secret: string, knownHash?: string): ApiToken | null | Promise<ApiToken | null> {
  if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH) return null;
  const hash = knownHash ?? hashTokenSecret(secret);
  const cache = cacheOf(store);
  const now = Date.now();
  const cached = cache.get(hash);
  if (cached && cached.expiresAt > now) return cached.token;
  return store.findTokenByHash(hash).then((token) => {
    // A per-run token dies with its run, revoked by whichever service saw the run end, maybe on another
    // server: it is never cached, so the revocation holds from its very next request.
    if (token !== null && token.run_id !== null) return token;
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
    cache.set(hash, { token, expiresAt: now + CACHE_TTL_MS });
    return token;
  });
}

/** Drops cached answers so a revoke (or a newly made token) takes effect on this server at once. */
export function forgetCachedTokens(store: Store): void {
  caches.get(store)?.clear();
}

export async function revokeToken(store: Store, id: string): Promise<boolean> {
  const revoked = await store.revokeToken(id);
  forgetCachedTokens(store);
  return revoked;
}

/**
 * Makes `secret` a valid admin token; calling it again with the same secret changes nothing. The secret
 * may come from PULSEBOARD_TOKEN or the token file, so it need not carry the pb_ prefix. A secret from
 * the environment replaces the previous environment secret: that one is revoked, so a leaked
 * PULSEBOARD_TOKEN is dead once the server restarts with a new one.
 */
export async function ensureAdminToken(
  store: Store,
  secret: string,
  source: 'environment' | 'file' = 'file',
): Promise<{ token: ApiToken; revoked: number }> {
  if (secret.length < MIN_ADMIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
    throw new InvalidInputError(`an admin token must be ${MIN_ADMIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters, got ${secret.length}`);
  }
  const hash = hashTokenSecret(secret);
  const existing = await store.findTokenByHash(hash);
  if (existing && existing.role !== 'admin') throw new ConflictError(`that secret already belongs to a ${existing.role} token`);
  const token =
    existing ??
    (await store.createToken({ role: 'admin', name: source === 'environment' ? ENVIRONMENT_TOKEN_NAME : 'admin', secret_hash: hash, run_id: null }));
  let revoked = 0;
  if (source === 'environment') {
    const replaced = (await store.listTokens()).filter(
      (t) => t.role === 'admin' && t.name === ENVIRONMENT_TOKEN_NAME && t.run_id === null && t.id !== token.id,
    );
    for (const old of replaced) if (await store.revokeToken(old.id)) revoked++;
  }
  forgetCachedTokens(store);
  return { token, revoked };
}
