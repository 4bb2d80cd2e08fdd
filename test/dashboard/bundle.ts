import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DASHBOARD_DIST = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

/** Every built file of the dashboard with its size, raw and gzipped at level 9 (as the server sends it). */
export function dashboardBundle(dir = DASHBOARD_DIST): { path: string; bytes: number; gzipBytes: number }[] {
  const out: { path: string; bytes: number; gzipBytes: number }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const body = readFileSync(full);
        out.push({ path: relative(dir, full), bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
