import { summarizeLatencies } from '../stats.js';
import type { LatencySummary } from '../stats.js';

/** `requests` sequential GETs on one keep-alive connection, after a few untimed ones. */
export async function getLatency(url: string, token: string, requests: number): Promise<LatencySummary & { bytes: number }> {
  const headers = { authorization: `Bearer ${token}` };
  let bytes = 0;
  for (let i = 0; i < 5; i++) await (await fetch(url, { headers })).arrayBuffer();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    const body = await response.arrayBuffer();
    samples.push(performance.now() - start);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    bytes = body.byteLength;
  }
  return { ...summarizeLatencies(samples), bytes };
}
