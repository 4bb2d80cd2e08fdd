/**
 * Sequential GETs (or POSTs of a JSON body) on one keep-alive connection, in a process of its own so
 * that reading a large answer does not run on the server's event loop (a dashboard's browser never does).
 * argv: url token requests [json-body]. Prints {"event":"done", ...LatencySummary, "bytes": N}.
 */
import http from 'node:http';
import { summarizeLatencies } from '../stats.js';

const [url = '', token = '', requestsText = '100', body] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request(url, { agent, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (let i = 0; i < 5; i++) await get();
const samples: number[] = [];
let bytes = 0;
for (let i = 0; i < Number(requestsText); i++) {
  const start = performance.now();
  const answer = await get();
  samples.push(performance.now() - start);
  if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status}`);
  bytes = answer.bytes;
}
console.log(JSON.stringify({ event: 'done', ...summarizeLatencies(samples), bytes }));
agent.destroy();
