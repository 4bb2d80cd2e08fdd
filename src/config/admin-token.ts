import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_ADMIN_SECRET_LENGTH } from '../core/token-input.js';
import { ConfigError } from './config-error.js';

export const TOKEN_FILE = 'token';

export interface AdminToken {
  token: string;
  source: 'environment' | 'file' | 'generated';
}

/** PULSEBOARD_TOKEN wins; else the token file of the data folder; else a new one, written there for later starts. */
export function resolveAdminToken(home: string, fromEnvironment: string | null): AdminToken {
  if (fromEnvironment !== null) return { token: checkedLength(fromEnvironment, 'PULSEBOARD_TOKEN'), source: 'environment' };
  const existing = readTokenFile(home);
  if (existing !== null) return { token: checkedLength(existing, join(home, TOKEN_FILE)), source: 'file' };
  const token = randomBytes(24).toString('base64url');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // 'wx' so two servers starting at once on one folder never overwrite each other's token.
  try {
    writeFileSync(join(home, TOKEN_FILE), `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = readTokenFile(home);
    if (winner !== null) return { token: winner, source: 'file' };
    throw err;
  }
  return { token, source: 'generated' };
}

function checkedLength(token: string, where: string): string {
  if (token.length >= MIN_ADMIN_SECRET_LENGTH) return token;
  throw new ConfigError(
    `${where} holds an admin token of ${token.length} characters: it must have at least ${MIN_ADMIN_SECRET_LENGTH} ` +
      '(for example `openssl rand -base64 32`), or leave it unset to have one generated',
  );
}

/** The token stored in <home>/token, or null when there is none. */
export function readTokenFile(home: string): string | null {
  const path = join(home, TOKEN_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const token = text.trim();
  if (token === '') throw new ConfigError(`${path} is empty: delete it to have a new token generated`);
  return token;
}
