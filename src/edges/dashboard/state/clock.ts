import { signal } from '@preact/signals';

/** Server clock minus ours (seconds), learned from each answer's checked_at / now, so ages are the server's. */
let offset = 0;

export function learnServerTime(serverSeconds: number): void {
  if (Number.isFinite(serverSeconds)) offset = serverSeconds - Date.now() / 1000;
}

export function serverNow(): number {
  return Date.now() / 1000 + offset;
}

/** Ticks once a second while the tab is visible; every ticking cell reads it. */
export const now = signal(serverNow());

let timer: ReturnType<typeof setInterval> | null = null;

export function startTicking(): void {
  if (timer !== null) return;
  now.value = serverNow();
  timer = setInterval(() => {
    now.value = serverNow();
  }, 1000);
}

export function stopTicking(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
}
