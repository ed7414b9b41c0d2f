// Kills every mongod the harness recorded and ends Wine's helpers: run after tests and on SIGINT.
import { killLeftovers } from './processes.js';

const killed = killLeftovers();
if (killed > 0) process.stderr.write(`[harness] killed ${killed} leftover mongod(s)\n`);
