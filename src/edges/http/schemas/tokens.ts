import { Type } from 'typebox';
import { Nullable } from './common.js';

export const RoleSchema = Type.Enum(['viewer', 'worker', 'operator', 'admin']);

export const TokenIdParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) },
  { additionalProperties: false },
);

export const NewTokenBody = Type.Object(
  {
    role: RoleSchema,
    // A worker token's name must also be a worker name; the token service checks that.
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s].*$' }),
  },
  { additionalProperties: false },
);

export const IssuedTokenResponse = Type.Object({
  token: Type.String({ description: 'the secret; shown once' }),
  id: Type.String(),
  role: RoleSchema,
  name: Type.String(),
});

export const TokenSchema = Type.Object({
  id: Type.String(),
  role: RoleSchema,
  name: Type.String(),
  created_at: Type.Number(),
  last_used_at: Nullable(Type.Number()),
  run_id: Nullable(Type.Integer()),
});

export const TokenList = Type.Object({ tokens: Type.Array(TokenSchema) });

export const RevokedResponse = Type.Object({ ok: Type.Boolean(), id: Type.String() });
