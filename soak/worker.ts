// A soak worker process: the SDK over HTTP, each handler a few milliseconds of waiting with one
// progress report, as a fleet of small jobs looks to the server. argv: name; env: PULSEBOARD_URL, PULSEBOARD_TOKEN.
import { setTimeout as sleep } from 'node:timers/promises';
import { httpTransport } from '../src/sdk/http-transport.js';
import { createWorker } from '../src/sdk/worker.js';

const name = process.argv[2]!;
const worker = createWorker({
  name,
  transport: httpTransport({ url: process.env.PULSEBOARD_URL!, token: process.env.PULSEBOARD_TOKEN! }),
  board: 'soak',
  concurrency: 4,
  ttlSeconds: 30,
  handleSignals: true,
  onError: () => undefined,
  handler: async (task, ctx) => {
    ctx.progress({ step: 1 });
    await sleep(5 + Math.random() * 45, undefined, { signal: ctx.signal });
    return { title: task.title };
  },
});
process.stdout.write('ready\n');
await worker.done;
