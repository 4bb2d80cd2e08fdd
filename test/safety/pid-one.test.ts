import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/pid-one.ts', import.meta.url));
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--fork', '--pid', '--mount-proc', 'true']).status === 0;

/**
 * Inside a pid namespace whose pid 1 leads process group 1 (a container), a run naming pid 1 must
 * never turn into kill(-1): the bystander in group 1 would die with every other process there.
 */
describe.skipIf(!canUnshare)('pid 1 of a pid namespace', () => {
  it('is never signalled, whether declared or recorded as spawned, and neither is the server', () => {
    const result = spawnSync(
      'unshare',
      ['--fork', '--pid', '--mount-proc', 'setsid', process.execPath, '--import', 'tsx', FIXTURE, 'init'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) as string);
    // The setting is the one described: the test's own process is pid 1 and leads group 1; the server is elsewhere.
    expect(report).toMatchObject({ pid: 1, pgid: 1, server_exit: 0, bystander_alive: true });
    const server = report.server;
    expect(server.server_pid).not.toBe(1);
    expect(server.server_pgid).not.toBe(1);

    expect(server.declared_one).toEqual({ outcome: 'reclaimed', origin: 'declared', events: [
      { kind: 'signal_refused', pid: 1, group: false, refusal: 'declared pid: not started by this server' },
    ] });
    expect(server.declared_self.outcome).toBe('reclaimed');
    expect(server.declared_self.events.map((e: { kind: string }) => e.kind)).toEqual(['signal_refused']);

    const refusedOne = { kind: 'signal_refused', pid: 1, group: false, refusal: 'refused: pid 1 or lower' };
    expect(server.reaped_one).toEqual({ outcome: 'reclaimed', events: [refusedOne] });
    expect(server.terminated_one.answer).toMatchObject({ ok: true, terminated: false, signal: null, stopped_by: 'fence' });
    expect(server.terminated_one.events).toEqual([refusedOne]);
    expect(server.terminated_self.answer).toMatchObject({ terminated: false, signal: null, stopped_by: 'fence' });
    expect(server.terminated_self.events).toEqual([
      { kind: 'signal_refused', pid: server.server_pid, group: false, refusal: 'refused: own process' },
    ]);
  }, 90_000);
});
