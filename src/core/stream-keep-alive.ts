/**
 * An event stream that has nothing to send sends a comment this often, so that a proxy keeps it open
 * and a client can tell a quiet stream from a dead one.
 */
export const STREAM_KEEP_ALIVE_MS = 15_000;

/**
 * A follower that has read nothing for this long, not even a keep-alive, takes the stream for lost
 * and reopens it: three keep-alives missed, so a busy server's late one is not mistaken for a loss.
 */
export const STREAM_SILENCE_MS = 3 * STREAM_KEEP_ALIVE_MS;
