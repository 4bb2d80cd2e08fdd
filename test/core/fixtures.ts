import type { Run, Task } from '../../src/core/types.js';

export function makeTask(overrides: Partial<Task> = {}): Task {
  return {
    id: 't_0000000a',
    board: 'default',
    title: 'a task',
    body: '',
    assignee: null,
    priority: 0,
    status: 'ready',
    parents: [],
    max_runtime_seconds: null,
    max_attempts: 3,
    attempts: 0,
    created_at: 1_700_000_000,
    updated_at: 1_700_000_000,
    current_run_id: null,
    result: null,
    ...overrides,
  };
}

export function makeRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 1,
    task_id: 't_0000000a',
    board: 'default',
    profile: null,
    worker: 'w1',
    host: 'h1',
    worker_pid: 100,
    worker_started_at: null,
    worker_origin: 'declared',
    claim_lock: 'h1:100',
    claim_token: 'secret-token',
    claim_expires: 1_700_000_030,
    lease_ttl_seconds: 30,
    last_heartbeat_at: 1_700_000_000,
    last_progress_at: null,
    max_runtime_seconds: null,
    started_at: 1_700_000_000,
    ended_at: null,
    outcome: null,
    exit_code: null,
    summary: null,
    error: null,
    metadata: {},
    stop_requested_at: null,
    ...overrides,
  };
}
