/**
 * Bookkeeping so that no mongod outlives a test run, even one that was interrupted. Each run
 * records the pids it starts in a file named after its own process; a later run kills the pids
 * of runs whose process is gone, never those of a run still going (runs may overlap).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, killWineServer } from './provision.js';

const DIR = path.join(CACHE_DIR, 'harness-pids');
const OWNER = Number(process.env['OUTPOST_HARNESS_OWNER'] ?? process.pid);

function fileOf(owner: number): string {
  return path.join(DIR, `${owner}.json`);
}

function read(file: string): number[] {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as number[]).filter(Number.isInteger);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Marks this run as using the Wine prefix before its first mongod is up: a run that ends
 * meanwhile sees the file and leaves Wine's server running (ending it kills a mongod still
 * starting, which then exits with code 0 and no error).
 */
export function claimPrefix(): void {
  mkdirSync(DIR, { recursive: true });
  const file = fileOf(OWNER);
  if (!existsSync(file)) writeFileSync(file, '[]');
}

export function recordPid(pid: number): void {
  mkdirSync(DIR, { recursive: true });
  const file = fileOf(OWNER);
  writeFileSync(file, JSON.stringify([...new Set([...read(file), pid])]));
}

function killAll(file: string): number {
  let killed = 0;
  for (const pid of read(file)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  rmSync(file, { force: true });
  return killed;
}

/**
 * Kills what this run started (`own`), or what runs that no longer exist left behind. Ends Wine's
 * helpers only when no other run is still using the prefix.
 */
export function killLeftovers(scope: 'own' | 'orphans' = 'orphans'): number {
  if (!existsSync(DIR)) return 0;
  let killed = 0;
  for (const name of readdirSync(DIR)) {
    const owner = Number(name.replace(/\.json$/, ''));
    if (
      (scope === 'own' && owner === OWNER) ||
      (scope === 'orphans' && owner !== OWNER && !alive(owner))
    ) {
      killed += killAll(path.join(DIR, name));
    }
  }
  if (readdirSync(DIR).length === 0) killWineServer();
  return killed;
}
