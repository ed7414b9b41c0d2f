/**
 * Bookkeeping so that no mongod outlives a test run, even one that was interrupted: every pid the
 * harness starts is recorded, and the next run (or scripts/test.mjs on SIGINT) kills leftovers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, killWineServer } from './provision.js';

const PIDS_FILE = path.join(CACHE_DIR, 'harness-pids.json');

function read(): number[] {
  if (!existsSync(PIDS_FILE)) return [];
  try {
    return (JSON.parse(readFileSync(PIDS_FILE, 'utf8')) as number[]).filter(Number.isInteger);
  } catch {
    return [];
  }
}

export function recordPid(pid: number): void {
  writeFileSync(PIDS_FILE, JSON.stringify([...new Set([...read(), pid])]));
}

/** Kills every recorded process still alive and ends Wine's helpers. Returns how many it killed. */
export function killLeftovers(): number {
  let killed = 0;
  for (const pid of read()) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  writeFileSync(PIDS_FILE, '[]');
  killWineServer();
  return killed;
}
