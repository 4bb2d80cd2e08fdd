import { batch, signal } from '@preact/signals';
import type { Signal } from '@preact/signals';
import { api } from '../api.js';
import { createRefresher } from '../logic/refresher.js';
import { addReading, EMPTY_FIGURES } from '../logic/runs.js';
import type { Figures } from '../logic/runs.js';
import type { ActiveRun, Inspection } from '../logic/types.js';
import { learnServerTime, serverNow } from './clock.js';

export const runs = signal<ActiveRun[]>([]);
export const runsLoaded = signal(false);
export const runsError = signal('');

/** One signal per run: a new reading re-renders that run's row and nothing else. */
const figureSignals = new Map<number, Signal<Figures>>();
/** Plain map of the latest figures, for sorting by CPU/RSS without subscribing to every row. */
export const latestFigures = new Map<number, Figures>();
/** Bumped when a reading round lands, so a sort by a figure column re-sorts. */
export const figuresRound = signal(0);

export function figuresOf(runId: number): Signal<Figures> {
  let s = figureSignals.get(runId);
  if (!s) {
    s = signal(EMPTY_FIGURES);
    figureSignals.set(runId, s);
  }
  return s;
}

interface ActiveAnswer {
  workers: ActiveRun[];
  checked_at: number;
}

async function readRuns(): Promise<void> {
  try {
    const answer = await api<ActiveAnswer>('GET', '/api/workers/active');
    learnServerTime(answer.checked_at);
    const live = new Set(answer.workers.map((w) => w.run_id));
    batch(() => {
      runs.value = answer.workers;
      runsLoaded.value = true;
      runsError.value = '';
    });
    for (const id of figureSignals.keys()) {
      if (!live.has(id)) {
        figureSignals.delete(id);
        latestFigures.delete(id);
      }
    }
  } catch (err) {
    runsError.value = err instanceof Error ? err.message : String(err);
  }
}

/** Events ask for this; at most one listing a second, whatever the rate of events. */
export const runsRefresher = createRefresher(readRuns, 1000);

/** Rows on screen now: only they are inspected. */
const visible = new Set<number>();

export function setRowVisible(runId: number, isVisible: boolean): void {
  if (isVisible) visible.add(runId);
  else visible.delete(runId);
}

const MAX_INSPECT = 200;

async function inspectVisible(): Promise<void> {
  const withPid = new Set(runs.value.filter((r) => r.worker_pid !== null).map((r) => r.run_id));
  const ids = [...visible].filter((id) => withPid.has(id)).slice(0, MAX_INSPECT);
  if (ids.length === 0) return;
  const answer = await api<{ inspections: Inspection[]; checked_at: number }>('POST', '/api/runs/inspect', { run_ids: ids });
  learnServerTime(answer.checked_at);
  const at = serverNow();
  batch(() => {
    for (const reading of answer.inspections) {
      const s = figuresOf(reading.run_id);
      s.value = addReading(s.value, reading, at);
      latestFigures.set(reading.run_id, s.value);
    }
    figuresRound.value++;
  });
}

export const INSPECT_EVERY_MS = 2000;
let inspectTimer: ReturnType<typeof setTimeout> | null = null;
let inspecting = false;

/** One round every 2 s, the next planned only when the last answered: requests never pile up. */
export function startInspecting(): void {
  if (inspecting) return;
  inspecting = true;
  const round = () => {
    inspectVisible()
      .catch(() => undefined)
      .finally(() => {
        if (inspecting) inspectTimer = setTimeout(round, INSPECT_EVERY_MS);
      });
  };
  inspectTimer = setTimeout(round, 300);
}

export function stopInspecting(): void {
  inspecting = false;
  if (inspectTimer !== null) clearTimeout(inspectTimer);
  inspectTimer = null;
}
