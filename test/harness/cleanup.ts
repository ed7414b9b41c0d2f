// Kills every mongod the harness recorded and ends Wine's helpers: run after tests and on SIGINT.
import { killLeftovers } from './processes.js';

// Run by scripts/test.mjs after vitest: vitest's process is gone, so its pids are orphans now.
const killed = killLeftovers('orphans');
if (killed > 0) process.stderr.write(`[harness] killed ${killed} leftover mongod(s)\n`);
