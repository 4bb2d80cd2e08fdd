import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { browserUnavailable, freePort, launchBrowser, screenshotPath, ServedPulseboard, until } from './browser.js';

const ADMIN = 'pb_dashboard-e2e-admin-token';
const unavailable = browserUnavailable();
if (unavailable && process.env['CI'] === 'true') throw new Error(`browser tests need Chromium under CI: ${unavailable}`);

/** A worker command that keeps one core half busy and holds some memory, until it is stopped. */
const SPIN = [
  'node',
  '-e',
  "const keep = Buffer.alloc(24 << 20, 1); setInterval(() => { const end = Date.now() + 60; while (Date.now() < end); }, 120); setInterval(() => console.log('working', keep.length), 1000);",
];

/** A long-lived worker that beats over HTTP every 300 ms, as a worker without bus access does. */
const BEATING = `
const [url, token] = process.argv.slice(1);
setInterval(() => {
  fetch(url + '/api/heartbeats', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'collector', uptime_s: process.uptime(), pid: process.pid, host: 'e2e-box', queue: 'ingest' }),
  }).catch(() => {});
}, 300);`;

function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

describe.skipIf(unavailable !== null)(`dashboard in headless Chromium${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let pb: ServedPulseboard;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    pb = new ServedPulseboard(await freePort(), ADMIN, {
      heartbeat_interval_seconds: 1,
      workers: ['collector', 'sniffer'],
      profiles: { spin: { command: SPIN, concurrency: 2, lease_ttl_seconds: 30 } },
    });
    await pb.start();
    browser = await launchBrowser();
    admin = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    page = await admin.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pb?.close();
  });

  const view = async (name: 'executor' | 'board' | 'workers' | 'overview') => {
    await page.click(`nav a[href="#/${name}"]`);
    await page.waitForSelector(`#${name}-title`);
  };

  it('/ without a token shows the login form, not an error', async () => {
    const context = await browser.newContext();
    const anonymous = await context.newPage();
    const answer = await anonymous.goto(`${pb.url}/`);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");
    await anonymous.waitForSelector('form[aria-label="Log in"]');
    await anonymous.screenshot({ path: screenshotPath('login') });
    // A wrong token says so on the form; the right one logs in.
    await anonymous.fill('input[name="token"]', 'pb_not-a-token');
    await anonymous.click('button[type="submit"]');
    await anonymous.waitForSelector('.notice:has-text("invalid")');
    await anonymous.fill('input[name="token"]', ADMIN);
    await anonymous.click('button[type="submit"]');
    await anonymous.waitForSelector('#executor-title');
    await context.close();
  });

  it('?token= logs in with an HttpOnly SameSite=Strict cookie and leaves the address bar', async () => {
    await page.goto(`${pb.url}/?token=${ADMIN}#/board`);
    await page.waitForSelector('#board-title');
    expect(page.url()).toBe(`${pb.url}/#/board`);
    const cookie = (await admin.cookies()).find((c) => c.name === 'pulseboard_token');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: ADMIN });
    // The page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain(ADMIN);
  });

  it('the board renders its columns, and a task created from the form appears on it', async () => {
    await view('board');
    for (const column of ['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived']) {
      await page.waitForSelector(`section[data-column="${column}"]`);
    }
    await page.click('button:has-text("New task")');
    await page.fill('dialog input[name="title"]', 'Write the release notes');
    await page.fill('dialog input[name="priority"]', '3');
    await page.click('dialog button[type="submit"]');
    await page.waitForSelector('section[data-column="ready"] .card:has-text("Write the release notes")');
  });

  let spinPid = 0;
  let spinTask = '';

  it('a worker process claims a task and shows in the executor panel with pid, CPU, RSS and a growing sparkline', async () => {
    await view('board');
    await page.click('button:has-text("New task")');
    await page.fill('dialog input[name="title"]', 'Crunch the numbers');
    await page.fill('dialog input[name="assignee"]', 'spin');
    await page.click('dialog button[type="submit"]');
    const active = await until(async () => {
      const answer = await pb.api<{ workers: { run_id: number; task_id: string; worker_pid: number | null }[] }>('GET', '/api/workers/active');
      return answer.body.workers.find((w) => w.worker_pid !== null);
    }, 'the dispatcher to start the spin worker');
    spinPid = active.worker_pid as number;
    spinTask = active.task_id;
    expect(alive(spinPid)).toBe(true);

    await view('executor');
    const row = page.locator(`tr[data-run-id="${active.run_id}"]`);
    await row.waitFor();
    expect(await row.locator('td.pid').textContent()).toBe(String(spinPid));
    await until(async () => /\d/.test((await row.locator('.cpu').textContent()) ?? ''), 'a CPU figure');
    await until(async () => /\d+(\.\d)?[KMG]/.test((await row.locator('.rss').textContent()) ?? ''), 'an RSS figure');
    const points = async () => Number(await row.locator('svg.spark').first().getAttribute('data-points'));
    const first = await until(async () => ((await points()) >= 1 ? points() : null), 'a first sparkline point');
    await until(async () => (await points()) >= first + 2, 'the sparkline to grow');
    expect(Number(await row.locator('.cpu').textContent())).toBeGreaterThan(0);
  });

  it("the drawer follows a live run's log as the worker writes it, with no event in between", async () => {
    await view('executor');
    await page.locator(`tr[data-pid="${spinPid}"] button:has-text("Log")`).click();
    const log = page.locator('.drawer pre.log');
    await log.waitFor();
    await page.waitForSelector('.drawer :text("following")');
    const lines = async () => ((await log.textContent()) ?? '').split('\n').filter((l) => l.startsWith('working')).length;
    const before = await until(async () => ((await lines()) >= 1 ? lines() : null), 'a first log line');
    // The spin worker prints a line a second and sends no progress: only the followed stream brings these.
    await until(async () => (await lines()) >= before + 2, 'the log to grow in the drawer');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.drawer', { state: 'detached' });
  });

  it('dragging a running card to another column asks first, naming the worker and pid it would stop', async () => {
    await view('board');
    const card = page.locator(`section[data-column="running"] .card[data-task-id="${spinTask}"]`);
    await card.waitFor();
    const asked = new Promise<string>((resolve) => {
      page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void dialog.dismiss();
      });
    });
    await card.dragTo(page.locator('section[data-column="blocked"]'));
    const question = await asked;
    expect(question).toContain(`pid ${spinPid}`);
    expect(question).toContain('spin');
    // Dismissed: nothing moved, the worker runs on.
    await page.waitForTimeout(300);
    expect(await card.count()).toBe(1);
    expect(alive(spinPid)).toBe(true);
  });

  it('keys 1 to 4 switch views and / goes to the filter', async () => {
    await view('executor');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('2');
    await page.waitForSelector('#board-title');
    await page.keyboard.press('3');
    await page.waitForSelector('#workers-title');
    await page.keyboard.press('1');
    await page.waitForSelector('#executor-title');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Filter runs');
    await page.keyboard.type(String(spinPid));
    expect(await page.locator('tr.run-row').count()).toBe(1);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
  });

  it("a viewer's page has no action buttons", async () => {
    const viewerToken = (await pb.api<{ token: string }>('POST', '/api/tokens', { role: 'viewer', name: 'vic' })).body.token;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const viewer = await context.newPage();
    await viewer.goto(`${pb.url}/?token=${viewerToken}`);
    await viewer.waitForSelector('tr.run-row');
    const actions = 'button:has-text("Terminate"), button:has-text("Reclaim"), button:has-text("New task"), button:has-text("Stop"), select[aria-label^="Move"]';
    expect(await viewer.locator(actions).count()).toBe(0);
    // Reading stays possible: the log of a run.
    expect(await viewer.locator('button:has-text("Log")').count()).toBeGreaterThan(0);
    for (const name of ['board', 'workers'] as const) {
      await viewer.click(`nav a[href="#/${name}"]`);
      await viewer.waitForSelector(`#${name}-title`);
      await viewer.waitForTimeout(300);
      expect(await viewer.locator(actions).count(), name).toBe(0);
    }
    expect(await page.locator(actions).count()).toBeGreaterThan(0);
    await context.close();
  });

  it('saves a screenshot of each view: light and dark at 1400×900, light at 1024 wide', async () => {
    await page.click(`tr.run-row button.task-link`);
    await page.waitForSelector('.drawer h3:has-text("Runs")');
    await page.screenshot({ path: screenshotPath('drawer-light') });
    await page.keyboard.press('Escape');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const name of ['executor', 'board', 'workers', 'overview'] as const) {
        await view(name);
        await page.waitForTimeout(name === 'overview' ? 1200 : 400);
        await page.screenshot({ path: screenshotPath(`${name}-${scheme}`) });
        // The README's picture: the panel's head and rows, without the empty page below them.
        if (name === 'executor' && scheme === 'light') {
          const box = await page.locator('.table-scroll').boundingBox();
          await page.screenshot({ path: screenshotPath('executor-panel'), clip: { x: 0, y: 0, width: 1400, height: Math.ceil((box?.y ?? 0) + (box?.height ?? 200) + 14) } });
        }
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1024, height: 768 });
    for (const name of ['executor', 'board', 'workers', 'overview'] as const) {
      await view(name);
      await page.waitForTimeout(400);
      await page.screenshot({ path: screenshotPath(`${name}-1024`) });
    }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('terminate from the page (confirmed, naming worker and pid) kills the process and the card leaves running', async () => {
    await view('executor');
    const row = page.locator(`tr[data-pid="${spinPid}"]`);
    await row.locator('button:has-text("Terminate")').click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`pid ${spinPid}`);
    expect(await dialog.textContent()).toContain('spin');
    await dialog.locator('select').selectOption('block');
    await dialog.locator('input[type="number"]').fill('2');
    await dialog.locator('button[type="submit"]').click();
    await dialog.locator('.stop-result[data-stopped-by="signal"]').waitFor();
    await page.screenshot({ path: screenshotPath('terminate-result') });
    await until(() => !alive(spinPid), 'the worker process to exit', 15_000);
    await dialog.locator('button:has-text("Close")').click();
    await view('board');
    await page.waitForSelector(`section[data-column="blocked"] .card[data-task-id="${spinTask}"]`);
    expect(await page.locator(`section[data-column="running"] .card[data-task-id="${spinTask}"]`).count()).toBe(0);
  });

  it('a registry worker beating over HTTP shows ok, then stale after SIGKILL, without a reload', async () => {
    const token = (await pb.api<{ token: string }>('POST', '/api/tokens', { role: 'worker', name: 'collector' })).body.token;
    const worker = spawn(process.execPath, ['-e', BEATING, pb.url, token], { stdio: 'ignore' });
    try {
      await view('workers');
      await page.waitForSelector('tr[data-worker="collector"][data-status="ok"]', { timeout: 15_000 });
      await page.screenshot({ path: screenshotPath('workers-ok') });
      const reloads: string[] = [];
      page.on('framenavigated', (frame) => reloads.push(frame.url()));
      worker.kill('SIGKILL');
      // 3 intervals of 1 s, then the page notices on its next tick.
      await page.waitForSelector('tr[data-worker="collector"][data-status="stale"]', { timeout: 15_000 });
      expect(reloads.filter((url) => !url.includes('#'))).toEqual([]);
    } finally {
      worker.kill('SIGKILL');
    }
  });

  it('the server restarts under the page: the page resumes and shows the events that happened meanwhile', async () => {
    await view('overview');
    await page.waitForSelector('.live-live');
    await pb.stop();
    await page.waitForSelector('.live-reconnecting', { timeout: 15_000 });
    // While the server is down, another process writes to the same store (as a second server would).
    const store = await openSqliteStore({ path: join(pb.home, 'pulseboard.db') });
    try {
      await store.createTask({ title: 'Created while the page was away' });
      await store.createTask({ title: 'Also while away', priority: 1 });
    } finally {
      await store.close();
    }
    await pb.start();
    await page.waitForSelector('.banner-info:has-text("while this page was away")', { timeout: 30_000 });
    await page.waitForSelector('.activity li.missed:has-text("Created while the page was away")');
    await page.waitForSelector('.activity li.missed:has-text("Also while away")');
    await page.waitForSelector('.live-live');
    await page.screenshot({ path: screenshotPath('resumed') });
    await view('board');
    await page.waitForSelector('.card:has-text("Created while the page was away")');
  });

  it('threw no script error along the way', () => {
    expect(errors).toEqual([]);
  });
});
