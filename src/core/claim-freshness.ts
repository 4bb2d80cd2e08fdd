/**
 * Whether a claimed run must be confirmed with a heartbeat before its handler starts.
 *
 * A claim's lease starts on the server at some instant between the request leaving the worker and
 * its answer being read. If the worker was frozen (SIGSTOP, a paused VM, a swap storm) or the answer
 * sat in a socket buffer, that lease may have lapsed and the task may already run elsewhere; starting
 * the handler then would run the task twice. Time is measured on the worker's own monotonic clock from
 * the moment the request left, so it never compares two machines' clocks and a skewed clock can only
 * cost one extra heartbeat, never a dropped task. Past half the lease, a beat decides.
 */
export function claimNeedsConfirming(msSinceAsked: number, leaseTtlSeconds: number): boolean {
  return !(msSinceAsked < (leaseTtlSeconds * 1000) / 2);
}
