/** The shape of bench/results/*.json, shared by run.ts (writer) and check.ts (reader). */
import type { ThroughputAtK } from './sections/throughput.js';
import type { LatencyResult } from './sections/latency.js';

export interface Failure {
  error: string;
}

export interface CrashResult {
  /** Seconds from SIGKILL to the re-run's handler start; null when it did not happen within the cap. */
  seconds: number | null;
  cap_seconds: number;
  note?: string;
}

export interface TargetCheck {
  name: string;
  value: number | null;
  target: string;
  pass: boolean;
}

export interface BenchResult {
  started_at: string;
  finished_at: string;
  command: string;
  machine: { cpus: number; cpu_model: string; node: string; platform: string; total_mem_gb: number };
  config: { tasks: number; runs: number; concurrencies: number[]; latency_samples: number; crash_cap_seconds: number };
  systems: Record<string, string>;
  throughput: Record<string, ThroughputAtK[] | Failure>;
  latency: Record<string, LatencyResult | Failure>;
  crash: Record<string, CrashResult | Failure>;
  visibility: Record<string, number | string | null> | Failure | null;
  /** Always "higher is better for Pulseboard": throughput pb/peer, latency peer/pb. */
  ratios: Record<string, number>;
  targets: TargetCheck[];
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && 'error' in value;
}
