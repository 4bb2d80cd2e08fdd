import { newTokenId } from '../../../core/ids.js';
import { validateNewToken } from '../../../core/token-input.js';
import type { ApiToken, Role } from '../../../core/types.js';
import { toToken } from '../shared/rows.js';
import type { TokenRow } from '../shared/rows.js';
import type { ReadContext, WriteContext } from './context.js';

const TOKEN_COLUMNS = 'id, role, name, created_at, last_used_at, run_id';

export function createToken(
  ctx: WriteContext,
  input: { role: Role; name: string; secret_hash: string; run_id?: number | null },
): ApiToken {
  const draft = validateNewToken(input);
  const id = newTokenId();
  ctx.q.run(
    'INSERT INTO api_tokens (id, role, name, secret_hash, created_at, last_used_at, run_id) VALUES (?, ?, ?, ?, ?, NULL, ?)',
    id,
    draft.role,
    draft.name,
    draft.secret_hash,
    ctx.now,
    draft.run_id,
  );
  return { id, role: draft.role, name: draft.name, created_at: ctx.now, last_used_at: null, run_id: draft.run_id };
}

export function findTokenByHash(ctx: ReadContext, secretHash: string): ApiToken | null {
  if (typeof secretHash !== 'string' || secretHash.length === 0) return null;
  const row = ctx.q.get<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = ?`, secretHash);
  return row ? toToken(row) : null;
}

export function touchToken(ctx: WriteContext, id: string): void {
  ctx.q.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', ctx.now, id);
}

export function listTokens(ctx: ReadContext): ApiToken[] {
  return ctx.q.all<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id`).map(toToken);
}

export function revokeToken(ctx: WriteContext, id: string): boolean {
  if (typeof id !== 'string') return false;
  return ctx.q.run('DELETE FROM api_tokens WHERE id = ?', id).changes > 0;
}

export function hasRunTokens(ctx: ReadContext, runId: number): boolean {
  return ctx.q.get('SELECT 1 FROM api_tokens WHERE run_id = ? LIMIT 1', runId) !== undefined;
}

export function revokeRunTokens(ctx: WriteContext, runId: number): number {
  return ctx.q.run('DELETE FROM api_tokens WHERE run_id = ?', runId).changes;
}
