import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` puts the dashboard: <package>/dist/dashboard, from src/ (tsx) and dist/ alike. */
export function defaultDashboardDir(): string {
  return fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));
}

export interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  /** Named by a hash of its content: it never changes under that name, so it may be cached for good. */
  hashed: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite names built files `name-<8+ chars of hash>.ext` under assets/. */
const HASHED_NAME = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

/**
 * The built dashboard, read once into memory (a few hundred kilobytes) and gzipped once, so serving a
 * file is a map lookup. Files are addressed by their path under the folder with `/` separators.
 */
export function loadDashboardAssets(dir: string): Map<string, Asset> | null {
  let files: string[];
  try {
    files = listFiles(dir);
  } catch {
    return null;
  }
  const assets = new Map<string, Asset>();
  for (const file of files) {
    const path = relative(dir, file).split(sep).join('/');
    const ext = extname(path);
    const body = readFileSync(file);
    assets.set(path, {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : null,
      type: TYPES[ext] ?? 'application/octet-stream',
      hashed: HASHED_NAME.test(path),
    });
  }
  return assets.has('index.html') ? assets : null;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}
