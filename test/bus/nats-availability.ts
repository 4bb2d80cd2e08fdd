import { connect } from 'node:net';

export const NATS_URL = process.env.PULSEBOARD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Why NATS cannot be used here, or null when a server answers at NATS_URL. */
export function natsUnavailableReason(url = NATS_URL, deadlineMs = 2000): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 4222) });
    const finish = (reason: string | null): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(deadlineMs, () => finish(`no answer from ${url} within ${deadlineMs} ms`));
    // A NATS server greets every new connection with an INFO line.
    socket.once('data', (chunk) =>
      finish(chunk.toString().startsWith('INFO') ? null : `${url} answered, but not as a NATS server`),
    );
    socket.once('error', (error) => finish(`cannot reach NATS at ${url}: ${error.message}`));
  });
}

/** Under CI a missing NATS fails the run; elsewhere the suite is skipped with the reason printed. */
export async function natsGate(): Promise<{ available: boolean; reason: string | null }> {
  const reason = await natsUnavailableReason();
  if (reason && process.env.CI === 'true') throw new Error(`NATS is required under CI=true: ${reason}`);
  if (reason) console.warn(`skipping NATS tests: ${reason}`);
  return { available: reason === null, reason };
}
