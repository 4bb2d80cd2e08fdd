/**
 * A Pulseboard server (SQLite, no dispatcher) in a process of its own, as a user runs `pulseboard serve`
 * beside their workers. argv: dir [config JSON]. Prints {"event":"ready","url":...,"token":...,"home":...,
 * "pid":...} and serves until killed.
 */
import { startBenchServer } from '../pulseboard-server.js';

const [dir = '', configText] = process.argv.slice(2);
const config = configText === undefined ? {} : (JSON.parse(configText) as Record<string, unknown>);
const server = await startBenchServer({ dir, config });
console.log(JSON.stringify({ event: 'ready', url: server.url, token: server.token, home: server.home, pid: process.pid }));
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
