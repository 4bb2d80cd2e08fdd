/**
 * A Pulseboard server (SQLite, no dispatcher) in a process of its own, as a user runs `pulseboard serve`
 * beside their workers. argv: dir. Prints {"event":"ready","url":...,"token":...,"home":...} and serves
 * until killed.
 */
import { startBenchServer } from '../pulseboard-server.js';

const [dir = ''] = process.argv.slice(2);
const server = await startBenchServer({ dir });
console.log(JSON.stringify({ event: 'ready', url: server.url, token: server.token, home: server.home }));
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
