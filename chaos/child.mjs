// The command the chaos server's dispatcher spawns for a task of profile `child`: it logs its start,
// works briefly, completes its run over HTTP with its per-run token, logs the acknowledgement, exits 0.
// argv: logPath (the marker follows it, for the end check that no process is left behind).
/* global fetch */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const [logPath] = process.argv.slice(2);
const { PULSEBOARD_URL: url, PULSEBOARD_TOKEN: token, PULSEBOARD_RUN_ID: runText, PULSEBOARD_CLAIM_TOKEN: claimToken, PULSEBOARD_TASK_ID: task } = process.env;
const run = Number(runText);
const worker = `child-${process.pid}`;
const line = (fields) => appendFileSync(logPath, `${JSON.stringify({ ...fields, task, run, worker, t: Date.now() / 1000 })}\n`);

line({ ev: 'start' });
await sleep(5 + Math.random() * 40);
line({ ev: 'stop', how: 'returned' });
line({ ev: 'sent' });
for (let attempt = 0; attempt < 50; attempt++) {
  try {
    const res = await fetch(`${url}/api/runs/${run}/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ claim_token: claimToken, outcome: 'completed' }),
    });
    if (res.ok) {
      line({ ev: 'ack' });
      process.exit(0);
    }
    line({ ev: 'refused', status: String(res.status) });
    process.exit(3);
  } catch {
    // the server is restarting: try again
    await sleep(200);
  }
}
process.exit(4);
