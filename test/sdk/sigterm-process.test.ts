import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sigterm-worker.ts', import.meta.url));

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('a worker process on SIGTERM', () => {
  it('finishes the task in hand, reports it, and exits 0', async () => {
    const task = await t.client.createTask({ title: 'hold', board: 'sigterm' });
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: { ...process.env, PULSEBOARD_URL: t.server.url, PULSEBOARD_TOKEN: t.server.token, BOARD: 'sigterm', HOLD_MS: '1500' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      const started = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(`started ${task.id}`)) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await started;
      child.kill('SIGTERM');
      const code = await exited;
      expect(code).toBe(0);
      expect(output).toMatch(/stopped .*"completed":1/);
      const detail = await t.client.getTask(task.id);
      expect(detail.task.status).toBe('done');
      expect(detail.task.result).toEqual({ finished: true, aborted: false });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
