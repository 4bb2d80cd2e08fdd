import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAdminToken } from '../../src/config/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveAdminToken', () => {
  it('generates a token once, writes it owner-only, and reuses it', () => {
    const home = join(dir, 'home');
    const first = resolveAdminToken(home, null);
    expect(first.source).toBe('generated');
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    const file = join(home, 'token');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveAdminToken(home, null)).toEqual({ token: first.token, source: 'file' });
  });

  it('prefers the token from the environment and writes nothing', () => {
    const secret = 'from-the-environment-0123456789';
    expect(resolveAdminToken(dir, secret)).toEqual({ token: secret, source: 'environment' });
    expect(() => statSync(join(dir, 'token'))).toThrow();
  });

  it('refuses an empty token file instead of guessing', () => {
    writeFileSync(join(dir, 'token'), '\n');
    expect(() => resolveAdminToken(dir, null)).toThrow(/is empty/);
  });
});
