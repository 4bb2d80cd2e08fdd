import { describe, expect, it } from 'vitest';
import { INITIAL_LINK, linkLabel, reconnectDelayMs, reduceLink, settleResume } from '../../src/edges/dashboard/logic/connection.js';
import { appendActivity, describeEvent, mergeStaleness } from '../../src/edges/dashboard/logic/events.js';
import { formatBytes, formatDuration, formatLeft, formatPercent } from '../../src/edges/dashboard/logic/format.js';
import { appendLines } from '../../src/edges/dashboard/logic/log-tail.js';
import { createRefresher } from '../../src/edges/dashboard/logic/refresher.js';
import { mergeWorkerRow, statusNow } from '../../src/edges/dashboard/logic/registry.js';
import { addReading, countByState, EMPTY_FIGURES, filterRuns, NO_RUN_FILTER, shownState, sortRuns } from '../../src/edges/dashboard/logic/runs.js';
import type { Figures } from '../../src/edges/dashboard/logic/runs.js';
import { sparklineArea, sparklinePoints, sparklineSpan } from '../../src/edges/dashboard/logic/sparkline.js';
import type { ActiveRun, EventRow, Inspection, RegistryRow } from '../../src/edges/dashboard/logic/types.js';

const NOW = 1_800_000_000;

function run(id: number, over: Partial<ActiveRun> = {}): ActiveRun {
  return {
    run_id: id,
    task_id: `t_0000000${id}`,
    task_title: `task ${id}`,
    task_status: 'running',
    task_assignee: null,
    profile: null,
    worker: `w${id}`,
    host: 'h1',
    worker_pid: 1000 + id,
    worker_started_at: NOW - 100,
    worker_origin: 'spawned',
    started_at: NOW - 100,
    claim_lock: 'h1:1',
    claim_expires: NOW + 20,
    last_heartbeat_at: NOW - 5,
    last_progress_at: null,
    max_runtime_seconds: null,
    board: 'default',
    state: 'healthy',
    ...over,
  } as ActiveRun;
}

function event(id: number, kind: string, payload: Record<string, unknown> = {}, over: Partial<EventRow> = {}): EventRow {
  return { id, board: 'default', task_id: 't_00000001', run_id: 7, kind, payload: payload as EventRow['payload'], created_at: NOW, ...over };
}

const alive = (run_id: number, cpu: number, rss: number): Inspection => ({
  run_id,
  alive: true,
  pid: 1,
  cpu_percent: cpu,
  memory_rss_bytes: rss,
  memory_vms_bytes: 0,
  num_threads: 1,
  num_fds: 3,
  status: 'running',
  create_time: NOW - 100,
});

describe('formatting', () => {
  it('durations keep a short fixed shape', () => {
    expect([0, 9.9, 65, 3600 + 125, 49 * 3600].map(formatDuration)).toEqual(['0s', '9s', '1m05s', '1h02m', '2d01h']);
    expect(formatDuration(null)).toBe('—');
    expect(formatLeft(-4)).toBe('−4s');
  });
  it('bytes in binary units, percent with one decimal below 100', () => {
    expect([512, 1536, 5 * 1024 ** 2, 150 * 1024 ** 2, 3.4 * 1024 ** 3].map(formatBytes)).toEqual(['512B', '1.5K', '5.0M', '150M', '3.4G']);
    expect([0, 12.345, 250].map(formatPercent)).toEqual(['0.0', '12.3', '250']);
    expect(formatPercent(undefined)).toBe('—');
  });
});

describe('live runs: state, sort, filter, history', () => {
  it('a run without a pid yet is starting, and counts by state', () => {
    const runs = [run(1), run(2, { worker_pid: null }), run(3, { state: 'stuck' })];
    expect(runs.map(shownState)).toEqual(['healthy', 'starting', 'stuck']);
    expect(countByState(runs)).toMatchObject({ healthy: 1, starting: 1, stuck: 1, over_runtime: 0 });
  });

  it('sorts worst state first by default, by figures with missing values last, ties by run id', () => {
    const runs = [run(1), run(2, { state: 'over_runtime' }), run(3, { state: 'stuck' }), run(4)];
    expect(sortRuns(runs, new Map(), { column: 'state', descending: false }, NOW).map((r) => r.run_id)).toEqual([2, 3, 1, 4]);
    const figures = new Map<number, Figures>([
      [1, addReading(EMPTY_FIGURES, alive(1, 5, 10), NOW)],
      [3, addReading(EMPTY_FIGURES, alive(3, 50, 10), NOW)],
    ]);
    expect(sortRuns(runs, figures, { column: 'cpu', descending: true }, NOW).map((r) => r.run_id)).toEqual([3, 1, 2, 4]);
    expect(sortRuns(runs, figures, { column: 'cpu', descending: false }, NOW).map((r) => r.run_id)).toEqual([1, 3, 2, 4]);
    const beats = [run(1, { last_heartbeat_at: NOW - 1 }), run(2, { last_heartbeat_at: NOW - 30 })];
    expect(sortRuns(beats, new Map(), { column: 'heartbeat', descending: true }, NOW).map((r) => r.run_id)).toEqual([2, 1]);
  });

  it('filters by state, board, host and text (title, worker, pid)', () => {
    const runs = [run(1, { board: 'a' }), run(2, { host: 'h2', task_title: 'Render video' }), run(3, { worker_pid: null })];
    expect(filterRuns(runs, { ...NO_RUN_FILTER, board: 'a' }).map((r) => r.run_id)).toEqual([1]);
    expect(filterRuns(runs, { ...NO_RUN_FILTER, host: 'h2' }).map((r) => r.run_id)).toEqual([2]);
    expect(filterRuns(runs, { ...NO_RUN_FILTER, state: 'starting' }).map((r) => r.run_id)).toEqual([3]);
    expect(filterRuns(runs, { ...NO_RUN_FILTER, text: 'video' }).map((r) => r.run_id)).toEqual([2]);
    expect(filterRuns(runs, { ...NO_RUN_FILTER, text: '1001' }).map((r) => r.run_id)).toEqual([1]);
  });

  it('keeps the last minute of readings; a dead reading keeps the lines', () => {
    let f = EMPTY_FIGURES;
    for (let t = 0; t <= 90; t += 10) f = addReading(f, alive(1, t, t * 1000), NOW + t);
    expect(f.at).toEqual([30, 40, 50, 60, 70, 80, 90].map((t) => NOW + t));
    expect(f.cpu[0]).toBe(30);
    const dead = addReading(f, { run_id: 1, alive: false, reason: 'process not found' }, NOW + 100);
    expect(dead.cpu).toEqual(f.cpu);
    expect(dead.last).toMatchObject({ alive: false });
  });

  it('an RSS sparkline spans its own range, at least the floor wide: steady is level in the middle, a leak fills the height', () => {
    const scale = { width: 60, height: 16, windowSeconds: 60, now: NOW, base: 'own' as const, floor: 4 };
    const ys = (values: number[]) => sparklinePoints(values, [NOW - 60, NOW - 30, NOW], scale).split(' ').map((p) => Number(p.split(',')[1]));
    const steady = ys([100, 100, 100]);
    expect(new Set(steady).size).toBe(1);
    expect(steady[0]).toBeGreaterThan(4);
    expect(steady[0]).toBeLessThan(12);
    const leak = ys([100, 150, 200]);
    expect((leak[0] as number) - (leak[2] as number)).toBeGreaterThan(10);
    // A small move stays small: under the floor, it is a part of the height only.
    const wobble = ys([100, 101, 100]);
    expect(Math.abs((wobble[1] as number) - (wobble[0] as number))).toBeLessThan(4);
    expect(sparklineArea('0,5 30,6 60,7', 16)).toBe('0,16 0,5 30,6 60,7 60,16');
  });

  it('sparkline points run across the window, scaled to the peak', () => {
    const points = sparklinePoints([0, 50, 100], [NOW - 60, NOW - 30, NOW], { width: 60, height: 16, windowSeconds: 60, now: NOW, floor: 5 });
    expect(points).toBe('0,15.5 30,9.3 60,3');
    expect(sparklinePoints([], [], { width: 60, height: 16, windowSeconds: 60, now: NOW, floor: 5 })).toBe('');
    expect(sparklinePoints([1], [NOW], { width: 60, height: 16, windowSeconds: 60, now: NOW, floor: 5 }).split(' ')).toHaveLength(2);
  });

  it('a history shorter than the window spans the width by its own length, at least 10 s', () => {
    const scale = { width: 60, height: 16, windowSeconds: 60, now: NOW, floor: 5 };
    const xs = (at: number[]) => sparklinePoints(at.map(() => 1), at, scale).split(' ').map((p) => Number(p.split(',')[0]));
    expect(xs([NOW - 20, NOW - 10, NOW])).toEqual([0, 30, 60]);
    expect(xs([NOW - 4, NOW])).toEqual([36, 60]);
    expect(xs([NOW - 120, NOW - 30, NOW])).toEqual([0, 30, 60]);
    expect(sparklineSpan([NOW - 20], NOW, 60)).toBe(20);
    expect(sparklineSpan([], NOW, 60)).toBe(60);
  });
});

describe('events into state', () => {
  it('says which views must be read again, once per burst', () => {
    const merged = mergeStaleness([
      event(1, 'progress'),
      event(2, 'task_created', {}, { board: 'b', run_id: null, task_id: 't_00000002' }),
      event(3, 'completed', { outcome: 'completed' }),
    ]);
    expect(merged.active).toBe(true);
    expect(merged.stats).toBe(true);
    expect([...merged.boards]).toEqual(['b', 'default']);
    expect([...merged.tasks].sort()).toEqual(['t_00000001', 't_00000002']);
    const quiet = mergeStaleness([event(4, 'comment_added', { author: 'a' })]);
    expect(quiet).toMatchObject({ active: false, stats: false });
    expect(quiet.boards.size).toBe(0);
  });

  it('the activity feed is newest first, bounded, without duplicates from an overlapping resume, marking missed ones', () => {
    let list = appendActivity([], [event(1, 'task_created', { title: 'A' }), event(2, 'claimed', { worker: 'w', host: 'h' })], false);
    list = appendActivity(list, [event(2, 'claimed'), event(3, 'completed', { outcome: 'completed', task_status: 'done' })], true);
    expect(list.map((e) => [e.id, e.missed])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(list[0]?.text).toBe('run 7 completed, t_00000001 → done');
    expect(describeEvent(event(9, 'task_status', { from: 'ready', to: 'blocked', actor: 'operator:o' }))).toBe('t_00000001 moved ready → blocked by operator:o');
    const many = Array.from({ length: 300 }, (_, i) => event(100 + i, 'progress'));
    expect(appendActivity(list, many, false)).toHaveLength(200);
  });
});

describe('the followed log', () => {
  it('appends lines and keeps the last ones only', () => {
    expect(appendLines(['a', 'b'], ['c'], 10)).toEqual(['a', 'b', 'c']);
    expect(appendLines(['a', 'b'], ['c', 'd'], 3)).toEqual(['b', 'c', 'd']);
    expect(appendLines([], [], 3)).toEqual([]);
  });
});

describe('the live link', () => {
  it('live → reconnecting → live again, counting the events caught up on resume', () => {
    let link = reduceLink(INITIAL_LINK, { type: 'open', at: 1000 });
    link = reduceLink(link, { type: 'events', lastId: 5, count: 2, at: 1100 });
    expect(link).toMatchObject({ status: 'live', lastEventId: 5, caughtUp: 0 });
    link = reduceLink(link, { type: 'lost', at: 2000 });
    expect(linkLabel(link, 5000)).toBe('reconnecting… (lost 3s ago)');
    link = reduceLink(link, { type: 'open', at: 6000 });
    link = reduceLink(link, { type: 'events', lastId: 9, count: 4, at: 6100 });
    expect(link).toMatchObject({ status: 'live', lastEventId: 9, caughtUp: 4, failures: 0 });
    link = settleResume(link);
    link = reduceLink(link, { type: 'events', lastId: 10, count: 1, at: 7000 });
    expect(link.caughtUp).toBe(4);
    expect(linkLabel(link, 7500)).toBe('live');
    // The page reads something every 5 s while live: only a longer silence is shown.
    expect(linkLabel(link, 12_000)).toBe('live');
    expect(linkLabel(link, 19_000)).toBe('live · updated 12s ago');
    // An answer to a request counts as hearing from the server, as an event does.
    expect(linkLabel(reduceLink(link, { type: 'heard', at: 18_500 }), 19_000)).toBe('live');
    expect(linkLabel(reduceLink(link, { type: 'pause', at: 13_000 }), 13_000)).toBe('paused (tab hidden)');
  });

  it('backs off from a quarter second to ten', () => {
    expect([1, 2, 3, 10].map(reconnectDelayMs)).toEqual([250, 500, 1000, 10_000]);
  });
});

describe('registry rows', () => {
  const row = (name: string, last: number | null): RegistryRow => ({
    name,
    status: last === null ? 'unknown' : 'ok',
    last_heartbeat_ts: last,
    seconds_since: null,
    extra: {},
    host: null,
    pid: null,
    uptime_s: null,
  });
  it('turns stale on the page after three intervals without a beat', () => {
    expect(statusNow(row('a', NOW), 2.9, 1)).toBe('ok');
    expect(statusNow(row('a', NOW), 3, 1)).toBe('stale');
    expect(statusNow(row('a', null), null, 1)).toBe('unknown');
  });
  it('a changed row keeps its place; a new one goes last', () => {
    const rows = [row('b', null), row('a', null)];
    expect(mergeWorkerRow(rows, row('a', NOW)).map((r) => [r.name, r.status])).toEqual([
      ['b', 'unknown'],
      ['a', 'ok'],
    ]);
    expect(mergeWorkerRow(rows, row('c', NOW)).map((r) => r.name)).toEqual(['b', 'a', 'c']);
  });
});

describe('refresher', () => {
  it('never runs two reads at once and folds asks made meanwhile into one more read', async () => {
    let clock = 0;
    const timers: (() => void)[] = [];
    let release: () => void = () => undefined;
    let reads = 0;
    const r = createRefresher(
      () => {
        reads++;
        return new Promise<void>((resolve) => (release = resolve));
      },
      1000,
      { setTimeout: (fn) => timers.push(fn), now: () => clock },
    );
    r.request();
    r.request();
    expect(timers).toHaveLength(1);
    timers.shift()?.();
    expect(reads).toBe(1);
    r.request();
    r.request();
    r.request();
    expect(timers).toHaveLength(0);
    clock = 300;
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(timers).toHaveLength(1);
    timers.shift()?.();
    expect(reads).toBe(2);
  });
});
