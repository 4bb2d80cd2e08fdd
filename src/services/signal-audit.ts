import type { SignalAudit } from '../ports/process-inspector.js';
import type { Store } from '../ports/store.js';

/**
 * Writes every signal sent or refused as an event on its run (`signal_sent` / `signal_refused`). A
 * record that cannot be written (the store closing at shutdown) is logged: it never fails the stop.
 */
export function storeSignalAudit(store: Store, log: (line: string) => void): SignalAudit {
  return {
    async record(entry) {
      try {
        await store.recordSignal(entry);
      } catch (err) {
        const what = entry.sent ? `${entry.signal} sent to` : `${entry.signal} refused for`;
        log(`pulseboard: could not record ${what} pid ${entry.pid} of run ${entry.run_id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}

/** For parts run without a store to write to (tests of the mechanism alone). */
export const unrecordedSignals: SignalAudit = { record: async () => undefined };
