/** `npm run bench:dashboard-size`: the built dashboard's files, raw and gzipped, against the 80 KB JavaScript budget. */
import { dashboardBundle } from '../test/dashboard/bundle.js';

const files = dashboardBundle();
for (const f of files) console.log(`${f.path.padEnd(40)} ${String(f.bytes).padStart(8)} B  ${String(f.gzipBytes).padStart(7)} B gzip`);
const js = files.filter((f) => f.path.endsWith('.js')).reduce((n, f) => n + f.gzipBytes, 0);
console.log(`JavaScript, gzip: ${(js / 1024).toFixed(1)} KB of 80 KB`);
