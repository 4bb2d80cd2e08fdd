import { newTokenId } from '../../../core/ids.js';
import { validateNewToken } from '../../../core/token-input.js';
import type { ApiToken, Role } from '../../../core/types.js';
import { toToken } from '../shared/rows.js';
import type { TokenRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';
import { execute, row, rows } from './sql.js';
import type { Executor } from './sql.js';

const TOKEN_COLUMNS = 'id, role, name, created_at, last_used_at, run_id';

export async function createToken(
  db: Executor,
  input: { role: Role; name: string; secret_hash: string; run_id?: number | null },
  now: number,
): Promise<ApiToken> {
  const draft = validateNewToken(input);
  const id = newTokenId();
  await execute(
    db,
    'INSERT INTO api_tokens (id, role, name, secret_hash, created_at, last_used_at, run_id) VALUES ($1, $2, $3, $4, $5, NULL, $6)',
    [id, draft.role, draft.name, draft.secret_hash, now, draft.run_id],
  );
  return { id, role: draft.role, name: draft.name, created_at: now, last_used_at: null, run_id: draft.run_id };
}

export async function findTokenByHash(ctx: ReadContext, secretHash: string): Promise<ApiToken | null> {
  if (typeof secretHash !== 'string' || secretHash.length === 0) return null;
  const found = await row<TokenRow>(ctx.db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = $1`, [secretHash]);
  return found ? toToken(found) : null;
}

export async function touchToken(db: Executor, id: string, now: number): Promise<void> {
  await execute(db, 'UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [now, id]);
}

export async function listTokens(ctx: ReadContext): Promise<ApiToken[]> {
  return (await rows<TokenRow>(ctx.db, `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id`)).map(toToken);
}

export async function revokeToken(db: Executor, id: string): Promise<boolean> {
  if (typeof id !== 'string') return false;
  return (await execute(db, 'DELETE FROM api_tokens WHERE id = $1', [id])) > 0;
}

export async function revokeRunTokens(db: Executor, runId: number): Promise<number> {
  if (!Number.isSafeInteger(runId)) return 0;
  return execute(db, 'DELETE FROM api_tokens WHERE run_id = $1', [runId]);
}
