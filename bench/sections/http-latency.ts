import { JsonLineChild } from '../children/spawn.js';
import type { LatencySummary } from '../stats.js';

/**
 * `requests` sequential requests to url on one keep-alive connection (GETs, or POSTs of `body` as JSON
 * when given), after a few untimed ones, from a client process of its own: the figure is what a
 * separate client sees, and the client's own work (reading and buffering the answer) does not run on
 * the server's event loop.
 */
export async function getLatency(url: string, token: string, requests: number, body?: unknown): Promise<LatencySummary & { bytes: number }> {
  const client = new JsonLineChild('./latency-client.ts', [url, token, String(requests), ...(body === undefined ? [] : [JSON.stringify(body)])]);
  try {
    const done = await client.waitFor((e) => e.event === 'done', 300_000);
    if (!done) throw new Error(`GET ${url}: the latency client gave no answer`);
    const { event: _event, ...figures } = done as unknown as LatencySummary & { bytes: number; event: string };
    return figures;
  } finally {
    await client.stop();
  }
}
