/**
 * `npm run bench [-- --quick] [--only a,b] [--sections throughput,latency,crash,visibility]`
 * Pulseboard side by side with its peers on this machine, in one run; see bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { allSystems } from './systems/index.js';
import type { SystemFactory } from './systems/types.js';
import type { BenchResult, CrashResult, Failure } from './results.js';
import { measureThroughput } from './sections/throughput.js';
import { measureLatency } from './sections/latency.js';
import { crashProbes } from './sections/crash-probes.js';
import { measureVisibility } from './sections/visibility.js';
import { checkTargets, computeRatios } from './ratios.js';
import { renderTables } from './table.js';

const SECTIONS = ['throughput', 'latency', 'crash', 'visibility'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    skip: { type: 'string' },
    sections: { type: 'string' },
    tasks: { type: 'string' },
    runs: { type: 'string' },
    concurrency: { type: 'string' },
    samples: { type: 'string' },
    'crash-cap': { type: 'string' },
    'throughput-cap': { type: 'string' },
    list: { type: 'boolean', default: false },
    /** Print only; write no result file (profiling runs). */
    'no-save': { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const s of allSystems()) console.log(`${s.name.padEnd(26)} ${s.description}`);
  process.exit(0);
}

const quick = values.quick ?? false;
const config = {
  tasks: Number(values.tasks ?? (quick ? 5_000 : 50_000)),
  runs: Number(values.runs ?? (quick ? 1 : 3)),
  concurrencies: (values.concurrency ?? '1,8,32').split(',').map(Number),
  latency_samples: Number(values.samples ?? (quick ? 50 : 200)),
  crash_cap_seconds: Number(values['crash-cap'] ?? 120),
};
const throughputCapSeconds = Number(values['throughput-cap'] ?? (quick ? 60 : 300));
const sections = new Set<Section>((values.sections?.split(',') ?? [...SECTIONS]) as Section[]);
const only = values.only?.split(',');
const skip = new Set(values.skip?.split(',') ?? []);
const systems = allSystems().filter((s) => (!only || only.includes(s.name)) && !skip.has(s.name));

const failure = (err: unknown): Failure => ({ error: err instanceof Error ? err.message : String(err) });
const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

const result: BenchResult = {
  started_at: new Date().toISOString(),
  finished_at: '',
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    total_mem_gb: Math.round(os.totalmem() / 2 ** 30),
  },
  config,
  systems: Object.fromEntries(systems.map((s) => [s.name, s.description])),
  throughput: {},
  latency: {},
  crash: {},
  visibility: null,
  ratios: {},
  targets: [],
};

async function benchQueueSections(factory: SystemFactory): Promise<void> {
  const system = factory.create();
  try {
    log(`${factory.name}: setup`);
    await system.setup({ fresh: true });
  } catch (err) {
    log(`${factory.name}: setup failed: ${failure(err).error}`);
    if (sections.has('throughput')) result.throughput[factory.name] = failure(err);
    if (sections.has('latency')) result.latency[factory.name] = failure(err);
    await system.teardown().catch(() => {});
    return;
  }
  if (sections.has('throughput')) {
    log(`${factory.name}: throughput, ${config.tasks} tasks x K=${config.concurrencies.join(',')}`);
    result.throughput[factory.name] = await measureThroughput(system, { ...config, capSeconds: throughputCapSeconds }).catch(failure);
  }
  if (sections.has('latency')) {
    log(`${factory.name}: latency, ${config.latency_samples} samples`);
    result.latency[factory.name] = await measureLatency(system, { samples: config.latency_samples, concurrency: 1 }).catch(failure);
  }
  await system.clear().catch(() => {});
  await system.teardown().catch((err: unknown) => log(`${factory.name}: teardown failed: ${failure(err).error}`));
}

/** Crash probes mostly wait on timeouts, so they run side by side; each system uses its own schema or keys. */
async function benchCrash(): Promise<void> {
  const probes = crashProbes(systems);
  log(`crash: ${probes.map((p) => p.name).join(', ')} (cap ${config.crash_cap_seconds} s, in parallel)`);
  const outcomes = await Promise.all(probes.map((p) => p.run(config.crash_cap_seconds).catch(failure)));
  probes.forEach((p, i) => {
    result.crash[p.name] = outcomes[i] as CrashResult | Failure;
  });
}

if (sections.has('throughput') || sections.has('latency')) {
  for (const factory of systems) await benchQueueSections(factory);
}
if (sections.has('crash')) await benchCrash();
if (sections.has('visibility') && (!only || only.some((n) => n.startsWith('pulseboard')))) {
  log('visibility: Pulseboard on SQLite at scale');
  result.visibility = await measureVisibility({ quick }).catch(failure);
}

result.finished_at = new Date().toISOString();
result.ratios = computeRatios(result);
result.targets = checkTargets(result);

console.log(renderTables(result));
if (!values['no-save']) {
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const stamp = result.started_at.replace(/[:.]/g, '-');
  writeFileSync(`${resultsDir}${stamp}.json`, json);
  writeFileSync(`${resultsDir}latest.json`, json);
  console.log(`\nresults: bench/results/${stamp}.json (and latest.json)`);
}
// Some peers keep timers or sockets open after close(); the run is over.
process.exit(0);
