/**
 * HTTP heartbeat load in its own process so the server's event loop is not shared with the clients.
 * argv: url token seconds connections names(comma-separated). Prints {"sent":N,"ok":M,"seconds":S}.
 */
import http from 'node:http';

const [url = '', token = '', secondsText = '5', connectionsText = '16', namesText = 'bench-0'] = process.argv.slice(2);
const names = namesText.split(',');
const target = new URL('/api/heartbeats', url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connectionsText) });
const deadline = performance.now() + Number(secondsText) * 1000;
let sent = 0;
let ok = 0;

function beat(name: string): Promise<number> {
  const body = JSON.stringify({ name, load: 0.1 });
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
      sent++;
      if ((await beat(names[i++ % names.length] as string)) === 202) ok++;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ event: 'done', sent, ok, seconds: (performance.now() - start) / 1000 })}\n`);
agent.destroy();
