/**
 * HTTP heartbeat load in its own process so the server's event loop is not shared with the clients.
 * argv: url token seconds connections names(comma-separated) [batch]. Prints {"sent":N,"ok":M,"seconds":S}
 * counted in beats. With batch > 0 each request is POST /api/heartbeats/batch carrying that many beats.
 */
import http from 'node:http';

const [url = '', token = '', secondsText = '5', connectionsText = '16', namesText = 'bench-0', batchText = '0'] =
  process.argv.slice(2);
const names = namesText.split(',');
const batch = Number(batchText);
const target = new URL(batch > 0 ? '/api/heartbeats/batch' : '/api/heartbeats', url);
const beatsPerRequest = batch > 0 ? batch : 1;
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connectionsText) });
const deadline = performance.now() + Number(secondsText) * 1000;
let sent = 0;
let ok = 0;

function bodyFor(first: number): string {
  if (batch === 0) return JSON.stringify({ name: names[first % names.length], load: 0.1 });
  return JSON.stringify({ beats: Array.from({ length: batch }, (_, i) => ({ name: names[(first + i) % names.length], load: 0.1 })) });
}

function beat(first: number): Promise<number> {
  const body = bodyFor(first);
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const start = performance.now();
await Promise.all(
  Array.from({ length: Number(connectionsText) }, async (_, lane) => {
    let i = lane;
    while (performance.now() < deadline) {
      sent += beatsPerRequest;
      if ((await beat(i)) === 202) ok += beatsPerRequest;
      i += beatsPerRequest;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ event: 'done', sent, ok, seconds: (performance.now() - start) / 1000 })}\n`);
agent.destroy();
