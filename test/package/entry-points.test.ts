import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../sdk/helpers.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const HEAVY = ['fastify', 'better-sqlite3', 'pg'];
/** What a user gets who installs pulseboard where the native addon never built. */
const NOT_INSTALLED = new Set(['better-sqlite3']);

let pkg: string;

/**
 * The package as a user installs it: the build of src/ (emitted by tsc as `npm run build` does;
 * `npm run typecheck` checks the types), this package.json, and a node_modules without better-sqlite3.
 */
beforeAll(async () => {
  pkg = mkdtempSync(join(tmpdir(), 'pb-package-'));
  await run(
    process.execPath,
    [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist'), '--noCheck', '--declaration', 'false', '--sourceMap', 'false'],
    { cwd: repo },
  );
  copyFileSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  mkdirSync(join(pkg, 'node_modules'));
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (!NOT_INSTALLED.has(name) && !name.startsWith('.')) symlinkSync(join(repo, 'node_modules', name), join(pkg, 'node_modules', name));
  }
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(pkg, file));
}, 240_000);

afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

/** Imports `entry` in a fresh Node process; every module file it resolved or required. */
async function modulesLoadedBy(entry: string): Promise<{ exports: string[]; modules: string[] }> {
  const log = join(pkg, `resolved-${entry.replace(/\W/g, '_')}.log`);
  writeFileSync(log, '');
  const { stdout } = await run(process.execPath, ['--import', './record-resolutions.mjs', 'import-entry.mjs', entry], {
    cwd: pkg,
    env: { ...process.env, RESOLVE_LOG: log },
  });
  return { exports: JSON.parse(stdout) as string[], modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

function packagesAmong(modules: string[]): string[] {
  return HEAVY.filter((name) => modules.some((file) => file.includes(`/node_modules/${name}/`)));
}

describe('package entry points', () => {
  it('the main entry loads neither fastify, better-sqlite3 nor pg', async () => {
    const { exports, modules } = await modulesLoadedBy('pulseboard');
    expect(exports).toEqual(expect.arrayContaining(['createWorker', 'httpTransport', 'storeTransport', 'createClient']));
    expect(exports).not.toContain('startPulseboard');
    expect(modules.some((file) => file.includes(`${pkg}/dist/index.js`))).toBe(true);
    expect(packagesAmong(modules)).toEqual([]);
  });

  it('the server and the stores are their own entries, and they do load what they need', async () => {
    const postgres = await modulesLoadedBy('pulseboard/postgres');
    expect(postgres.exports).toEqual(['openPostgresStore']);
    expect(packagesAmong(postgres.modules)).toEqual(['pg']);
    const nats = await modulesLoadedBy('pulseboard/nats');
    expect(nats.exports).toEqual(['connectNatsBus']);
    expect(packagesAmong(nats.modules)).toEqual([]);
    // Without the addon installed, the entries that need it fail to load instead of the main one.
    await expect(modulesLoadedBy('pulseboard/sqlite')).rejects.toThrow(/better-sqlite3/);
    await expect(modulesLoadedBy('pulseboard/server')).rejects.toThrow(/better-sqlite3/);
  });

  it('a worker built on the main entry handles a task over HTTP where better-sqlite3 is not installed', async () => {
    const server = await startTestServer();
    try {
      const task = await server.client.createTask({ title: 'no addon here' });
      await run(process.execPath, ['http-worker.mjs'], {
        cwd: pkg,
        env: { ...process.env, PULSEBOARD_URL: server.server.url, PULSEBOARD_TOKEN: server.server.token },
        timeout: 60_000,
      });
      const done = await server.client.getTask(task.id);
      expect(done.task.status).toBe('done');
      expect(done.task.result).toMatchObject({ handled: 'no addon here' });
    } finally {
      await server.close();
    }
  });
});
