import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashTokenSecret } from '../../src/services/tokens.js';
import { fixtureCommand, Harness, waitFor } from './harness.js';

describe('dispatcher: what a worker process is given', () => {
  let h: Harness;
  const saved = process.env.PULSEBOARD_DATABASE_URL;
  beforeEach(async () => {
    h = await new Harness().open();
    process.env.PULSEBOARD_DATABASE_URL = 'postgres://secret@server-only/db';
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.PULSEBOARD_DATABASE_URL;
    else process.env.PULSEBOARD_DATABASE_URL = saved;
    await h.cleanup();
  });

  it('passes the task only through PULSEBOARD_* variables, verbatim, with a per-run worker token', async () => {
    const dispatcher = h.dispatcher(
      { envy: { command: fixtureCommand('print-env.mjs'), env: { PROFILE_VAR: 'from profile' } } },
      { apiUrl: () => 'http://127.0.0.1:4321' },
    );
    const title = `it's "quoted" $(touch /tmp/pwned) ; echo no`;
    const body = 'line one\nline two `uname`';
    const task = await h.store.createTask({ title, body, assignee: 'envy', board: 'ops', max_attempts: 1 });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.ended_at !== null, 'the run to end');
    await waitFor(() => h.logOf(run.id).trim().length > 0, 'the log line');
    const env = JSON.parse(h.logOf(run.id).trim()) as Record<string, string>;

    expect(env).toMatchObject({
      PULSEBOARD_URL: 'http://127.0.0.1:4321',
      PULSEBOARD_RUN_ID: String(run.id),
      PULSEBOARD_CLAIM_TOKEN: run.claim_token,
      PULSEBOARD_TASK_ID: task.id,
      PULSEBOARD_TASK_TITLE: title,
      PULSEBOARD_TASK_BODY: body,
      PULSEBOARD_BOARD: 'ops',
      PULSEBOARD_PROFILE: 'envy',
      PROFILE_VAR: 'from profile',
    });
    expect(env.PULSEBOARD_DATABASE_URL).toBeUndefined();
    // Revoked once the run and its process were over.
    expect(await h.store.findTokenByHash(hashTokenSecret(env.PULSEBOARD_TOKEN as string))).toBeNull();
  });

  it('gives a live worker a worker token bound to its run', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs') } });
    const task = await h.store.createTask({ title: 'hold a token', assignee: 'p' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    const environ = readFileSync(`/proc/${run.worker_pid}/environ`, 'utf8').split('\0');
    const secret = environ.find((line) => line.startsWith('PULSEBOARD_TOKEN='))?.slice('PULSEBOARD_TOKEN='.length);
    expect(secret).toBeDefined();
    const token = await h.store.findTokenByHash(hashTokenSecret(secret as string));
    expect(token).toMatchObject({ role: 'worker', name: 'p', run_id: run.id });
  });
});
