/**
 * `npm run bench:dashboard`: the dashboard under load, in headless Chromium. 1,000 live runs renew
 * their leases (100 renewals a second, each run every 10 s) and 100 registry workers beat every
 * second, for 30 s, while the page shows the executor panel. Prints the page's long tasks (a
 * PerformanceObserver on `longtask`, i.e. main-thread tasks over 50 ms) and the server's CPU with
 * and without the page open. Not part of `npm test`: it takes a minute and measures, it does not judge.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { browserUnavailable, freePort, launchBrowser, ServedPulseboard } from '../test/dashboard/browser.js';

const LIVE_RUNS = 1000;
const REGISTRY_WORKERS = 100;
const SECONDS = Number(process.env['DASHBOARD_LOAD_SECONDS'] ?? 30);
const ADMIN = 'pb_dashboard-load-admin-token';
const NAMES = Array.from({ length: REGISTRY_WORKERS }, (_, i) => `fleet-${i}`);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const unavailable = browserUnavailable();
  if (unavailable) throw new Error(unavailable);
  const pb = new ServedPulseboard(await freePort(), ADMIN, { heartbeat_interval_seconds: 1, workers: NAMES });
  const standIn = spawn('sleep', ['3600'], { stdio: 'ignore' });
  await pb.start();
  try {
    const tasks = Array.from({ length: LIVE_RUNS }, (_, i) => ({ title: `load task ${i}`, board: i % 2 ? 'render' : 'default' }));
    for (let i = 0; i < tasks.length; i += 500) {
      const answer = await pb.api('POST', '/api/tasks/batch', { tasks: tasks.slice(i, i + 500) });
      if (answer.status !== 201) throw new Error(`batch: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    const runs: { id: number; token: string }[] = [];
    for (let i = 0; i < LIVE_RUNS; i++) {
      const board = i % 2 ? 'render' : 'default';
      const answer = await pb.api<{ run: { id: number; claim_token: string } }>('POST', '/api/claims', {
        worker: `agent-${i % 40}`,
        pid: standIn.pid,
        ttl_seconds: 60,
        board,
      });
      if (answer.status !== 200) throw new Error(`claim ${i}: ${answer.status} ${JSON.stringify(answer.body)}`);
      runs.push({ id: answer.body.run.id, token: answer.body.run.claim_token });
    }

    let renewals = 0;
    let beats = 0;
    let next = 0;
    const renew = setInterval(() => {
      const run = runs[next++ % runs.length] as { id: number; token: string };
      void pb.api('POST', `/api/runs/${run.id}/heartbeat`, { claim_token: run.token }).then(() => renewals++);
    }, 10);
    const beat = setInterval(() => {
      void pb.api('POST', '/api/heartbeats/batch', { beats: NAMES.map((name) => ({ name, uptime_s: process.uptime(), queue: 'ingest' })) }).then(() => (beats += NAMES.length));
    }, 1000);

    const serverPid = pb.pid as number;
    const measure = async (): Promise<number> => {
      const before = cpuSeconds(serverPid);
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
      return ((cpuSeconds(serverPid) - before) / ((performance.now() - started) / 1000)) * 100;
    };

    const withoutPage = await measure();
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      // Runs in the page before its own script (a string: this file is compiled without DOM types).
      await page.addInitScript(`
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
        }).observe({ type: 'longtask', buffered: true });`);
      await page.goto(`${pb.url}/?token=${ADMIN}#/executor`);
      await page.waitForSelector('tr.run-row');
      // The first paint of a thousand rows is not the steady state being measured.
      await page.waitForTimeout(2000);
      await page.evaluate('window.__longTasks = []');
      const withPage = await measure();
      const longTasks = (await page.evaluate('window.__longTasks')) as number[];
      const rowsRendered = await page.locator('tr.run-row').count();
      await page.evaluate("location.hash = '#/workers'");
      await page.waitForTimeout(3000);
      const workerRows = await page.locator('tr.worker-row').count();
      console.log(
        JSON.stringify(
          {
            seconds: SECONDS,
            live_runs: LIVE_RUNS,
            registry_workers: REGISTRY_WORKERS,
            lease_renewals: renewals,
            registry_beats: beats,
            long_tasks_over_50ms: longTasks.length,
            longest_task_ms: longTasks.length === 0 ? 0 : Math.max(...longTasks),
            server_cpu_percent_without_page: Math.round(withoutPage * 10) / 10,
            server_cpu_percent_with_page: Math.round(withPage * 10) / 10,
            server_cpu_percent_for_the_page: Math.round((withPage - withoutPage) * 10) / 10,
            run_rows_rendered: rowsRendered,
            worker_rows_shown: workerRows,
            load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
          },
          null,
          2,
        ),
      );
    } finally {
      await browser.close();
      clearInterval(renew);
      clearInterval(beat);
    }
  } finally {
    standIn.kill('SIGKILL');
    await pb.close();
  }
}

await main();
