import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DIST, dashboardBundle } from './bundle.js';

const built = existsSync(`${DASHBOARD_DIST}index.html`);
if (!built && process.env['CI'] === 'true') throw new Error('the dashboard is not built: npm ci runs prepare, which builds it');

describe.skipIf(!built)('the built dashboard', () => {
  it('stays within its budget: at most 80 KB of JavaScript, gzipped', () => {
    const js = dashboardBundle().filter((f) => f.path.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    expect(js.reduce((n, f) => n + f.gzipBytes, 0)).toBeLessThanOrEqual(80 * 1024);
  });

  it('names every asset by its content hash and loads nothing inline', () => {
    const files = dashboardBundle().map((f) => f.path);
    expect(files).toContain('index.html');
    for (const file of files.filter((f) => f !== 'index.html')) expect(file).toMatch(/^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/);
  });
});
