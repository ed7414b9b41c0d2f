import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, OutpostError } from '../errors.js';

export const LOCK_FILE = 'outpost-supervisor.lock';

export interface LockOwner {
  supervisorPid: number;
  /** Unique per supervisor object, so two supervisors in one process are told apart too. */
  token: string;
  hostname: string;
  port?: number | undefined;
  mongodPid?: number | undefined;
}

/** Data directories locked by supervisors of this process. */
const heldHere = new Set<string>();

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes `dir` (creating it) and proves it writable, naming the path when it is not.
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.outpost-write-probe-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOSPC') throw diskFull(dir, cause);
    throw new OutpostError(
      ErrorCode.DataDirNotWritable,
      `The data directory ${dir} is not writable (${(cause as NodeJS.ErrnoException).code ?? 'error'}). ` +
        'Give the user running Outpost write access to it, or choose another dataDir.',
      { cause, details: { path: dir } },
    );
  }
}

export interface AcquiredLock {
  /** The previous owner, when it died without releasing (an unclean stop of Outpost). */
  staleOwner: LockOwner | undefined;
  update(patch: Partial<LockOwner>): Promise<void>;
  release(): Promise<void>;
}

/**
 * One supervisor per data directory. The lock file records the owning process; a lock whose
 * owner is dead is stale and taken over (reported, so the caller can stop an orphaned mongod).
 */
export async function acquireDataDirLock(dir: string, owner: LockOwner): Promise<AcquiredLock> {
  const file = path.join(dir, LOCK_FILE);
  const key = path.resolve(dir);
  let staleOwner: LockOwner | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      heldHere.add(key);
      let current = owner;
      return {
        staleOwner,
        async update(patch) {
          current = { ...current, ...patch };
          await writeFile(file, JSON.stringify(current), { mode: 0o600 });
        },
        async release() {
          heldHere.delete(key);
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = await readOwner(file);
    const sameHost = existing?.hostname === os.hostname();
    const alive =
      existing !== undefined &&
      (!sameHost || isProcessAlive(existing.supervisorPid)) &&
      (existing.supervisorPid !== process.pid || heldHere.has(key));
    if (alive) {
      throw new OutpostError(
        ErrorCode.DataDirLocked,
        `The data directory ${dir} is in use by another Outpost (process ${existing.supervisorPid}` +
          `${existing.port ? `, mongod on port ${existing.port}` : ''}). Stop it first, or use another dataDir.`,
        { details: { path: dir, owner: existing } },
      );
    }
    staleOwner = existing;
    await rm(file, { force: true });
  }
  throw new OutpostError(ErrorCode.DataDirLocked, `Could not lock the data directory ${dir}.`, {
    details: { path: dir },
  });
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.supervisorPid !== 'number') return undefined;
    return parsed as LockOwner;
  } catch {
    return undefined;
  }
}

/** mongod empties `mongod.lock` on a clean shutdown; a non-empty one means it did not get to. */
export async function hadUncleanShutdown(dbPath: string): Promise<boolean> {
  try {
    return (await stat(path.join(dbPath, 'mongod.lock'))).size > 0;
  } catch {
    return false;
  }
}

/** The disk is full: retryable (the supervisor keeps trying), and the operator is told what to do. */
export function diskFull(dir: string, cause?: unknown): OutpostError {
  return new OutpostError(
    ErrorCode.DataDirFull,
    `The disk holding the data directory ${dir} is full. Sales cannot be saved until space is freed: ` +
      'delete old files or move the data directory to a larger disk. Outpost restarts the database by itself once there is room.',
    { cause, details: { path: dir } },
  );
}
