import { describe, expect, it } from 'vitest';
import type { ActiveRun } from '../../src/core/types.js';
import type { InspectAnswer } from '../../src/sdk/api-types.js';
import { onKey } from '../../src/edges/cli/top/keys.js';
import { initialState, visibleRuns } from '../../src/edges/cli/top/model.js';
import type { TopState } from '../../src/edges/cli/top/model.js';
import { render } from '../../src/edges/cli/top/render.js';

const NOW = 1_800_000_000;

function run(id: number, over: Partial<ActiveRun> = {}): ActiveRun {
  return {
    run_id: id,
    task_id: `t_0000000${id % 10}`,
    task_title: `task number ${id}`,
    task_status: 'running',
    task_assignee: null,
    profile: 'echo',
    worker: `agent-${id}`,
    host: 'gpu-3',
    worker_pid: 30_000 + id,
    worker_origin: 'spawned',
    worker_started_at: NOW - 100,
    started_at: NOW - 100,
    claim_lock: 'gpu-3:1',
    claim_expires: NOW + 20,
    last_heartbeat_at: NOW - 3,
    last_progress_at: NOW - 10,
    max_runtime_seconds: null,
    board: 'default',
    state: 'healthy',
    ...over,
  };
}

function look(id: number, cpu: number): InspectAnswer {
  return {
    run_id: id,
    alive: true,
    pid: 30_000 + id,
    host: 'gpu-3',
    worker_origin: 'spawned',
    cpu_percent: cpu,
    memory_rss_bytes: 512 * 1024 * 1024,
    memory_vms_bytes: 1024 * 1024 * 1024,
    num_threads: 9,
    num_fds: 41,
    status: 'S',
    create_time: NOW - 100,
    cmdline: ['node', 'agent.js'],
  };
}

function fleet(): TopState {
  const runs = [
    run(1),
    run(2, { state: 'stuck', last_progress_at: NOW - 900 }),
    run(3, { state: 'over_runtime', max_runtime_seconds: 60 }),
    run(4, { state: 'stuck', last_progress_at: NOW - 2000 }),
    run(5, { state: 'lease_expiring', claim_expires: NOW + 2 }),
  ];
  return {
    ...initialState('http://127.0.0.1:7420'),
    now: NOW,
    connection: 'live',
    lastEventId: 48213,
    runs,
    inspections: new Map(runs.map((r) => [r.run_id, look(r.run_id, r.run_id * 10.5)])),
    workers: [
      { name: 'api', status: 'ok', last_heartbeat_ts: NOW - 1, seconds_since: 1, extra: {}, host: 'vm', pid: 1 },
      { name: 'collector', status: 'stale', last_heartbeat_ts: NOW - 200, seconds_since: 200, extra: {}, host: 'vm', pid: 2 },
      { name: 'sniffer', status: 'unknown', last_heartbeat_ts: null, seconds_since: null, extra: {}, host: null, pid: null },
    ],
    board: [
      { name: 'ready', count: 51, tasks: [] },
      { name: 'blocked', count: 3, tasks: [] },
      { name: 'running', count: 5, tasks: [] },
    ],
  };
}

const SIZE = { columns: 120, rows: 30 };

describe('top renders a pure function of state and size', () => {
  it('fills the screen exactly, never wider than it, at 120x30 and 80x24', () => {
    for (const size of [SIZE, { columns: 80, rows: 24 }]) {
      const lines = render(fleet(), size);
      expect(lines).toHaveLength(size.rows);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(size.columns);
    }
  });

  it('shows the header counts by state, registry status and task status', () => {
    const [title, counts] = render(fleet(), SIZE);
    expect(title).toContain('pulseboard top  127.0.0.1:7420');
    expect(title).toContain('live  ev#48213');
    expect(counts).toContain('RUNS 5  healthy 1  stuck 2  lease 1  over 1');
    expect(counts).toContain('WORKERS ok 1 stale 1 unknown 1');
    expect(counts).toContain('default: ready 51  blocked 3  running 5');
  });

  it('sorts by severity, then by how long ago progress was reported', () => {
    expect(visibleRuns(fleet()).map((r) => r.run_id)).toEqual([3, 4, 2, 5, 1]);
    const lines = render(fleet(), SIZE);
    const header = lines.findIndex((l) => l.startsWith('ST '));
    expect(lines[header]).toMatch(/^ST\s+RUN WORKER\s+HOST\s+PID TASK\s+CPU%\s+RSS THR\s+FDS\s+HB PROG ELAPSED LEASE$/);
    expect(lines[header + 1]).toMatch(/^OVER\s+3 agent-3\s+gpu-3\s+30003 t_00000003 task number 3\s+31\.5\s+512M\s+9\s+41\s+3s\s+10s\s+1m40s\s+20s$/);
    expect(lines[header + 2]).toMatch(/^STUCK\s+4 agent-4/);
  });

  it('drops the least needed columns on a narrow screen but keeps pid and CPU', () => {
    const lines = render(fleet(), { columns: 80, rows: 24 });
    const header = lines.find((l) => l.startsWith('ST ')) as string;
    expect(header).toContain('PID');
    expect(header).toContain('CPU%');
    expect(header).not.toContain('HOST');
  });

  it('colours only with colour on: the plain render has no escape codes', () => {
    expect(render(fleet(), SIZE).join('')).not.toContain('\x1b[');
    expect(render(fleet(), SIZE, true).join('')).toContain('\x1b[');
  });
});

describe('top keys change the state', () => {
  const press = (state: TopState, ...keys: ({ name?: string; sequence?: string; ctrl?: boolean })[]) => {
    let s = state;
    let effect = null;
    for (const key of keys) ({ state: s, effect } = onKey(s, key, SIZE));
    return { state: s, effect };
  };

  it('moves with j/k and arrows, filters with 1-4 and /, sorts with s and S', () => {
    expect(press(fleet(), { sequence: 'j' }, { name: 'down' }).state.selected).toBe(2);
    expect(press(fleet(), { sequence: 'j' }, { sequence: 'k' }, { name: 'up' }).state.selected).toBe(0);
    expect(visibleRuns(press(fleet(), { sequence: '2' }).state).map((r) => r.run_id)).toEqual([4, 2]);
    expect(visibleRuns(press(fleet(), { sequence: '2' }, { sequence: '2' }).state)).toHaveLength(5);
    const filtered = press(fleet(), { sequence: '/' }, { sequence: 'a' }, { sequence: 'g' }, { sequence: 'e' }, { sequence: 'n' }, { sequence: 't' }, { sequence: '-' }, { sequence: '5' }, { name: 'return' }).state;
    expect(visibleRuns(filtered).map((r) => r.run_id)).toEqual([5]);
    expect(press(fleet(), { sequence: 's' }).state.sort).toBe('progress');
    const byCpu = press(fleet(), { sequence: 's' }, { sequence: 's' }).state;
    expect(visibleRuns(byCpu).map((r) => r.run_id)).toEqual([5, 4, 3, 2, 1]);
    expect(visibleRuns(press(byCpu, { sequence: 'S' }).state).map((r) => r.run_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('t asks y/N naming worker and pid; y terminates, anything else does not', () => {
    const asked = press(fleet(), { sequence: 't' }).state;
    expect(asked.prompt?.text).toBe('terminate run 3 (worker agent-3, pid 30003 on gpu-3)?');
    expect(render(asked, SIZE).at(-2)).toBe('terminate run 3 (worker agent-3, pid 30003 on gpu-3)? [y/N]');
    expect(press(asked, { sequence: 'y', name: 'y' }).effect).toEqual({ kind: 'terminate', runId: 3 });
    const declined = press(asked, { sequence: 'n', name: 'n' });
    expect(declined.effect).toBeNull();
    expect(declined.state.prompt).toBeNull();
  });

  it('Enter inspects, l asks for the log, w and b switch views, p pauses, ? helps, q and Ctrl-C quit', () => {
    const inspected = press(fleet(), { name: 'return' }).state;
    expect(inspected.overlay).toEqual({ kind: 'inspect', runId: 3 });
    expect(render(inspected, SIZE).join('\n')).toContain('cmdline      node agent.js');
    expect(press(fleet(), { sequence: 'l' }).effect).toEqual({ kind: 'log', runId: 3 });
    expect(render(press(fleet(), { sequence: 'w' }).state, SIZE).join('\n')).toMatch(/collector\s+stale\s+3m ago/);
    expect(render(press(fleet(), { sequence: 'b' }).state, SIZE).join('\n')).toContain('READY 51');
    expect(render(press(fleet(), { sequence: 'p' }).state, SIZE)[0]).toContain('PAUSED');
    expect(render(press(fleet(), { sequence: '?' }).state, SIZE).join('\n')).toContain('terminate the run (asks y/N)');
    expect(press(fleet(), { sequence: 'q' }).effect).toEqual({ kind: 'quit' });
    expect(press(fleet(), { name: 'c', ctrl: true }).effect).toEqual({ kind: 'quit' });
  });
});
