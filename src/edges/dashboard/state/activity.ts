import { signal } from '@preact/signals';
import { appendActivity } from '../logic/events.js';
import type { ActivityEntry } from '../logic/events.js';
import type { EventRow } from '../logic/types.js';

export const activity = signal<ActivityEntry[]>([]);

export function recordActivity(events: readonly EventRow[], missed: boolean): void {
  activity.value = appendActivity(activity.value, events, missed);
}
