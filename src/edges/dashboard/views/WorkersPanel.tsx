import { useComputed } from '@preact/signals';
import { useState } from 'preact/hooks';
import { formatAgo, formatDuration } from '../logic/format.js';
import { countByStatus, statusNow } from '../logic/registry.js';
import type { RegistryRow, RegistryStatus } from '../logic/types.js';
import { now } from '../state/clock.js';
import { busConnected, stopWorker, workers, workersLoaded } from '../state/registry.js';
import { canAct, currentSession } from '../state/session.js';

export function shownStatus(row: RegistryRow, t: number): RegistryStatus {
  const interval = currentSession()?.heartbeat_interval_seconds ?? 30;
  return statusNow(row, row.last_heartbeat_ts === null ? null : t - row.last_heartbeat_ts, interval);
}

export function WorkersPanel() {
  const [message, setMessage] = useState('');
  const t = now.value;
  const counts = useComputed(() => countByStatus(workers.value, (row) => shownStatus(row, now.value)));
  const actions = canAct.value;
  const stop = async (name: string) => {
    if (!confirm(`Ask worker ${name} to stop? It is told on the bus and in its next heartbeat answer.`)) return;
    try {
      await stopWorker(name);
      setMessage(`Stop sent to ${name}.`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section class="panel workers" aria-labelledby="workers-title">
      <header class="panel-head">
        <h2 id="workers-title">Workers</h2>
        <div class="state-counts">
          <span class="count-chip chip-ok">
            <b>{counts.value.ok}</b> ok
          </span>
          <span class={`count-chip chip-stale ${counts.value.stale === 0 ? 'zero' : ''}`}>
            <b>{counts.value.stale}</b> stale
          </span>
          <span class={`count-chip ${counts.value.unknown === 0 ? 'zero' : ''}`}>
            <b>{counts.value.unknown}</b> unknown
          </span>
        </div>
        <span class="muted small">long-lived workers of the registry: ok while beats arrive, stale after 3 missed intervals</span>
      </header>
      {!busConnected.value && (
        <p class="banner" role="alert">
          The bus is disconnected: beats from other hosts are not arriving, so their workers will turn stale until it is back.
        </p>
      )}
      {message && <p class="notice">{message}</p>}
      {workersLoaded.value && workers.value.length === 0 ? (
        <div class="empty">
          <p>
            <strong>No known workers.</strong>
          </p>
          <p class="muted">
            List them under <code>workers</code> in <code>pulseboard.config.json</code>, or give one a worker token (
            <code>pulseboard token create worker NAME</code>); it then beats with <code>POST /api/heartbeats</code>.
          </p>
        </div>
      ) : (
        <div class="table-scroll">
          <table class="registry">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Name</th>
                <th scope="col" class="num">Last seen</th>
                <th scope="col">Host</th>
                <th scope="col" class="num">PID</th>
                <th scope="col" class="num">Uptime</th>
                <th scope="col">Extra</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {workers.value.map((row) => {
                const status = shownStatus(row, t);
                // Uptime as of the last beat, moved on by the time since it.
                const uptime = row.uptime_s === null || row.last_heartbeat_ts === null || status !== 'ok' ? row.uptime_s : row.uptime_s + (t - row.last_heartbeat_ts);
                return (
                  <tr key={row.name} class={`worker-row status-${status}`} data-worker={row.name} data-status={status}>
                    <td>
                      <span class={`badge reg-${status}`}>{status}</span>
                    </td>
                    <td class="worker">{row.name}</td>
                    <td class="num">{row.last_heartbeat_ts === null ? 'never' : formatAgo(t - row.last_heartbeat_ts)}</td>
                    <td>{row.host ?? '—'}</td>
                    <td class="num">{row.pid ?? '—'}</td>
                    <td class="num">{uptime === null ? '—' : formatDuration(uptime)}</td>
                    <td class="extra mono" title={extraText(row.extra)}>
                      {extraText(row.extra)}
                    </td>
                    <td class="row-actions">
                      {actions && row.name !== 'api' && (
                        <button type="button" class="small danger-outline" onClick={() => stop(row.name)} aria-label={`Stop worker ${row.name}`}>
                          Stop
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function extraText(extra: Record<string, unknown>): string {
  const entries = Object.entries(extra);
  if (entries.length === 0) return '';
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('  ');
}
