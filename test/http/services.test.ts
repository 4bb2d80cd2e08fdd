import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { ProcInspector } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { hostInspectSubject, hostSignalSubject } from '../../src/core/subjects.js';
import type { Bus } from '../../src/ports/bus.js';
import type { Store } from '../../src/ports/store.js';
import { inspectRemoteProcess, serveHostAgent, terminateRemoteProcess } from '../../src/services/host-agent.js';
import { storeSignalAudit } from '../../src/services/signal-audit.js';
import {
  authenticate,
  ensureAdminToken,
  hashTokenSecret,
  issueToken,
  revokeToken,
} from '../../src/services/tokens.js';

describe('token service', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseboard-tokens-'));
    store = await openSqliteStore({ path: join(dir, 'db.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues pb_ + 32 random bytes and stores only the sha256', async () => {
    const { token, record } = await issueToken(store, { role: 'operator', name: 'ops' });
    expect(token).toMatch(/^pb_[A-Za-z0-9_-]{43}$/);
    expect(await store.findTokenByHash(hashTokenSecret(token))).toMatchObject({ id: record.id, role: 'operator' });
    expect(hashTokenSecret(token)).toMatch(/^[0-9a-f]{64}$/);
    const other = await issueToken(store, { role: 'operator', name: 'ops' });
    expect(other.token).not.toBe(token);
  });

  it('authenticate finds the token, refuses unknown ones, and forgets a revoked one at once', async () => {
    const { token, record } = await issueToken(store, { role: 'viewer', name: 'v' });
    expect((await authenticate(store, token))?.id).toBe(record.id);
    expect(await authenticate(store, 'pb_unknown')).toBeNull();
    expect(await authenticate(store, '')).toBeNull();
    expect(await revokeToken(store, record.id)).toBe(true);
    expect(await authenticate(store, token)).toBeNull();
  });

  it('authenticate answers a token it knows from a recent request at once, one of a run never from memory', async () => {
    const { token, record } = await issueToken(store, { role: 'viewer', name: 'held' });
    const first = authenticate(store, token);
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect((authenticate(store, token) as { id: string } | null)?.id).toBe(record.id);
    const run = await issueToken(store, { role: 'worker', name: 'child', run_id: 7 });
    expect((await authenticate(store, run.token))?.id).toBe(run.record.id);
    expect(authenticate(store, run.token)).toBeInstanceOf(Promise);
  });

  it('ensureAdminToken is idempotent and refuses a secret held by another role', async () => {
    const first = await ensureAdminToken(store, 'chosen-by-the-operator-2026');
    const second = await ensureAdminToken(store, 'chosen-by-the-operator-2026');
    expect(second.token.id).toBe(first.token.id);
    expect((await store.listTokens()).filter((t) => t.role === 'admin')).toHaveLength(1);
    expect((await authenticate(store, 'chosen-by-the-operator-2026'))?.role).toBe('admin');
    const { token } = await issueToken(store, { role: 'viewer', name: 'v' });
    await expect(ensureAdminToken(store, token)).rejects.toThrow(/viewer/);
  });

  it('ensureAdminToken refuses short secrets; a new environment secret revokes the previous one only', async () => {
    await expect(ensureAdminToken(store, 'a')).rejects.toThrow(/at least|24 to/);
    await expect(ensureAdminToken(store, 'x'.repeat(23))).rejects.toThrow(/24/);
    const file = await ensureAdminToken(store, 'f'.repeat(32), 'file');
    const firstEnv = await ensureAdminToken(store, 'e'.repeat(32), 'environment');
    expect(firstEnv.revoked).toBe(0);
    const again = await ensureAdminToken(store, 'e'.repeat(32), 'environment');
    expect(again).toEqual({ token: firstEnv.token, revoked: 0 });
    const replaced = await ensureAdminToken(store, 'n'.repeat(32), 'environment');
    expect(replaced.revoked).toBe(1);
    expect(await authenticate(store, 'e'.repeat(32))).toBeNull();
    expect((await authenticate(store, 'n'.repeat(32)))?.role).toBe('admin');
    expect((await authenticate(store, 'f'.repeat(32)))?.id).toBe(file.token.id);
  });
});

describe('host agent', () => {
  let bus: Bus;
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    bus = createMemoryBus();
    dir = mkdtempSync(join(tmpdir(), 'pulseboard-agent-'));
    store = await openSqliteStore({ path: join(dir, 'agent.db') });
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function agentOn(hostname: string) {
    return serveHostAgent({
      bus,
      hostname,
      inspector: new ProcInspector(),
      signaller: new ProcSignaller(),
      store,
      audit: storeSignalAudit(store, () => undefined),
    });
  }

  const ask = (run_id: number) => ({ run_id, actor: 'test', reason: 'testing' });

  it('answers inspect for a process of its host and refuses malformed requests', async () => {
    const inspector = new ProcInspector();
    const agent = agentOn('box.local');
    try {
      const startedAt = await inspector.startTime(process.pid);
      const look = await inspectRemoteProcess(bus, 'box.local', { pid: process.pid, started_at: startedAt });
      expect(look).toMatchObject({ alive: true, pid: process.pid });
      const reused = await inspectRemoteProcess(bus, 'box.local', { pid: process.pid, started_at: (startedAt as number) - 500 });
      expect(reused).toEqual({ alive: false, reason: 'pid reused by another process' });
      await expect(bus.request(hostInspectSubject('box.local'), { pid: 'one' })).rejects.toThrow(/pid/);
      await expect(bus.request(hostSignalSubject('box.local'), { pid: 1, started_at: null })).rejects.toThrow(/grace_seconds/);
      await expect(bus.request(hostSignalSubject('box.local'), { pid: 1, started_at: null, grace_seconds: 0 })).rejects.toThrow(/run_id/);
    } finally {
      agent.close();
    }
  });

  it('an absent agent makes the host unreachable and signals nothing', async () => {
    expect(await inspectRemoteProcess(bus, 'nowhere', { pid: 1, started_at: null })).toEqual({
      alive: false,
      reason: 'host nowhere unreachable',
    });
    expect(await terminateRemoteProcess(bus, 'nowhere', { pid: 1, started_at: null, grace_seconds: 0, ...ask(1) })).toEqual({
      terminated: false,
      signal: null,
      reason: 'host nowhere unreachable',
    });
  });

  it("signals only the process its store shows as spawned on its host for that run, whatever the request says", async () => {
    const agent = agentOn('box');
    try {
      const startedAt = await new ProcInspector().startTime(process.pid);
      const unknown = await terminateRemoteProcess(bus, 'box', { pid: process.pid, started_at: startedAt, grace_seconds: 0, ...ask(4242) });
      expect(unknown).toEqual({ terminated: false, signal: null, reason: 'run 4242 not found' });

      await store.createTask({ title: 'declared' });
      const declared = await store.claim({ worker: 'w', host: 'box', pid: process.pid, worker_started_at: startedAt, ttl_seconds: 30 });
      const asDeclared = await terminateRemoteProcess(bus, 'box', { pid: process.pid, started_at: startedAt, grace_seconds: 0, ...ask(declared!.run.id) });
      expect(asDeclared).toEqual({ terminated: false, signal: null, reason: 'declared pid: not started by this server' });
      const refused = (await store.listEvents({ run_id: declared!.run.id })).filter((e) => e.kind === 'signal_refused');
      expect(refused.map((e) => e.payload.refusal)).toEqual(['declared pid: not started by this server']);

      await store.createTask({ title: 'spawned elsewhere' });
      const other = await store.claim({ worker: 'w', host: 'box', ttl_seconds: 30 });
      await store.recordProcess(other!.run.id, { pid: 999_999, worker_started_at: 1, host: 'box' });
      const wrongPid = await terminateRemoteProcess(bus, 'box', { pid: process.pid, started_at: startedAt, grace_seconds: 0, ...ask(other!.run.id) });
      expect(wrongPid.signal).toBeNull();
      expect(wrongPid.reason).toMatch(/^refused: pid \d+ is not the process run \d+ recorded on box$/);
    } finally {
      agent.close();
    }
  });
});
