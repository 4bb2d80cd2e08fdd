import type { BenchResult, TargetCheck } from './results.js';
import { isFailure } from './results.js';
import type { ThroughputAtK } from './sections/throughput.js';

const isPulseboard = (name: string): boolean => name.startsWith('pulseboard');

function throughputAt(result: BenchResult, system: string, k: number): number | null {
  const entry = result.throughput[system];
  if (!entry || isFailure(entry)) return null;
  const atK = (entry as ThroughputAtK[]).find((r) => r.concurrency === k);
  return atK && atK.tasks_per_s > 0 ? atK.tasks_per_s : null;
}

/** Every Pulseboard system against every peer, "higher is better for Pulseboard". */
export function computeRatios(result: BenchResult): Record<string, number> {
  const ratios: Record<string, number> = {};
  const systems = Object.keys(result.throughput);
  for (const pb of systems.filter(isPulseboard)) {
    for (const peer of systems.filter((s) => !isPulseboard(s))) {
      for (const k of result.config.concurrencies) {
        const a = throughputAt(result, pb, k);
        const b = throughputAt(result, peer, k);
        if (a !== null && b !== null) ratios[`throughput ${pb}/${peer} K=${k}`] = a / b;
      }
    }
  }
  const latencies = Object.entries(result.latency);
  for (const [pb, pbLat] of latencies.filter(([name]) => isPulseboard(name))) {
    for (const [peer, peerLat] of latencies.filter(([name]) => !isPulseboard(name))) {
      if (isFailure(pbLat) || isFailure(peerLat) || !(pbLat.p50_ms > 0)) continue;
      ratios[`latency p50 ${peer}/${pb}`] = peerLat.p50_ms / pbLat.p50_ms;
    }
  }
  return ratios;
}

export function checkTargets(result: BenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const bullmq = throughputPresent(result, 'bullmq') ? 'bullmq' : 'bullmq-pg';
  for (const k of result.config.concurrencies) {
    const pb = throughputAt(result, 'pulseboard-pg', k);
    const graphile = throughputAt(result, 'graphile-worker', k);
    const vsGraphile = pb !== null && graphile !== null ? pb / graphile : null;
    checks.push({ name: `pulseboard-pg / graphile-worker K=${k}`, value: vsGraphile, target: '>= 1.5x', pass: vsGraphile !== null && vsGraphile >= 1.5 });
    const peer = throughputAt(result, bullmq, k);
    const vsBull = pb !== null && peer !== null ? pb / peer : null;
    checks.push({ name: `pulseboard-pg / ${bullmq} K=${k}`, value: vsBull, target: '>= 1.0x', pass: vsBull !== null && vsBull >= 1 });
  }
  const crash = result.crash['pulseboard-dispatcher'];
  const crashSeconds = crash && !isFailure(crash) ? crash.seconds : null;
  checks.push({ name: 'crash-to-rerun, dispatcher-run worker', value: crashSeconds, target: '< 1 s', pass: crashSeconds !== null && crashSeconds < 1 });
  const vis = result.visibility && !isFailure(result.visibility) ? result.visibility : null;
  const activeP99 = numberOrNull(vis?.['active_p99_ms']);
  checks.push({ name: 'GET /api/workers/active p99', value: activeP99, target: '< 5 ms', pass: activeP99 !== null && activeP99 < 5 });
  const beatingP99 = numberOrNull(vis?.['active_beating_p99_ms']);
  checks.push({
    name: 'same, while 100 leases/s renew',
    value: beatingP99,
    target: '< 5 ms',
    pass: beatingP99 !== null && beatingP99 < 5,
  });
  const inspectMany = numberOrNull(vis?.['inspect_many_1000_p50_ms']);
  checks.push({ name: 'POST /api/runs/inspect, 1,000 live runs, p50', value: inspectMany, target: '< 50 ms', pass: inspectMany !== null && inspectMany < 50 });
  const inspectOne = numberOrNull(vis?.['inspect_p50_ms']);
  checks.push({ name: 'GET /api/runs/:id/inspect p50 (prior reading)', value: inspectOne, target: '< 5 ms', pass: inspectOne !== null && inspectOne < 5 });
  // Each ingest path judged on its own: one HTTP request per beat, a batch per request, the NATS bus.
  const ingest: [string, string][] = [
    ['heartbeats/s, one per HTTP request', 'heartbeats_http_per_s'],
    ['heartbeats/s, HTTP batches', 'heartbeats_http_batch_per_s'],
    ['heartbeats/s, NATS into the registry', 'nats_heartbeats_per_s'],
  ];
  for (const [name, key] of ingest) {
    const value = numberOrNull(vis?.[key]);
    checks.push({ name, value, target: '>= 50,000/s', pass: value !== null && value >= 50_000 });
  }
  return checks;
}

function throughputPresent(result: BenchResult, system: string): boolean {
  const entry = result.throughput[system];
  return entry !== undefined && !isFailure(entry);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
