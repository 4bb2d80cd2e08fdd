// The chaos server process: a normal Pulseboard (dispatcher on) on a fixed port, so a restart after
// kill -9 is found at the same address. Env: PULSEBOARD_* as usual; CHAOS_CWD holds its config.
import { startPulseboard } from '../src/server.js';

await startPulseboard({ cwd: process.env.CHAOS_CWD, handleSignals: true, log: (line) => process.stdout.write(`${line}\n`) });
process.stdout.write('ready\n');
