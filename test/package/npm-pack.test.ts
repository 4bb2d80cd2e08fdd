import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../sdk/helpers.js';
import type { TestServer } from '../sdk/helpers.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

let work: string;
let project: string;
let t: TestServer;

/** Exactly what a user does: `npm pack` in the clone, `npm install ./pulseboard-*.tgz` in their own project. */
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pb-pack-'));
  project = join(work, 'my-project');
  await run('npm', ['pack', '--pack-destination', work], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
  const tarball = readdirSync(work).find((name) => /^pulseboard-.*\.tgz$/.test(name));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  await run('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', version: '1.0.0', private: true, type: 'module' }));
  await run('npm', ['install', join(work, tarball), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
  t = await startTestServer();
}, 600_000);

afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the package installed from npm pack into another project', { timeout: 120_000 }, () => {
  it('npx pulseboard runs the CLI: --help, and a verb against a server', async () => {
    const help = await run('npx', ['pulseboard', '--help'], { cwd: project });
    expect(help.stdout).toContain('Usage: pulseboard');
    expect(help.stdout).toContain('top');
    const workers = await run('npx', ['pulseboard', 'workers', '--json', '--url', t.server.url, '--token', t.server.token], { cwd: project });
    expect((JSON.parse(workers.stdout) as { workers: { name: string }[] }).workers.map((w) => w.name)).toContain('api');
  });

  it("import … from 'pulseboard' gives the SDK, and a worker made with it completes a task", async () => {
    const task = await t.client.createTask({ title: 'from another project', board: 'packed' });
    writeFileSync(
      join(project, 'worker.mjs'),
      `import { createWorker, httpTransport } from 'pulseboard';
const worker = createWorker({
  name: 'packed', board: 'packed', maxTasks: 1, healthSeconds: false, handleSignals: false,
  transport: httpTransport({ url: process.argv[2], token: process.argv[3] }),
  handler: (task) => ({ seen: task.id }),
});
await worker.done;
console.log(JSON.stringify(worker.stats()));
`,
    );
    const { stdout } = await run(process.execPath, ['worker.mjs', t.server.url, t.server.token], { cwd: project });
    expect(JSON.parse(stdout)).toMatchObject({ completed: 1 });
    expect((await t.client.getTask(task.id)).task).toMatchObject({ status: 'done', result: { seen: task.id } });
  });
});
