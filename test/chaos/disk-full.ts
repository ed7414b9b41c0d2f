/**
 * A full disk at a site: mongod on a small filesystem of its own (tmpfs, mounted as root) is
 * filled with sales until writes fail. Measures what the operator and the data get: the
 * supervisor's error (DATA_DIR_FULL, naming the directory) and state (still retrying), then, with
 * the data directory moved to a disk with room, every acknowledged sale and a full `validate`.
 * Shared by the integration test (which asserts on the report) and `npm run chaos` (which
 * reports it with its other faults).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { LOCK_FILE } from '../../sync/mongod/data-dir-lock.js';
import { createMongodSupervisor, type MongodSupervisor } from '../../sync/mongod/index.js';
import { testDir } from '../harness/mongods.js';
import { recordPid } from '../harness/processes.js';
import { CACHE_DIR } from '../harness/provision.js';

export interface DiskFullReport {
  /** The site's data directory on the small filesystem. */
  dataDir: string;
  /** Sales written before the disk filled, of `attempted`. */
  acknowledged: number;
  attempted: number;
  /** The supervisor's error while the disk was full. */
  error: { code: string; message: string } | null;
  /** The supervisor's state then: it keeps retrying rather than giving up. */
  stateWhileFull: string;
  /** Acknowledged sales found after the move (must equal `acknowledged`). */
  intact: number;
  /** `validate: full` of the sales collection after the move. */
  valid: boolean;
}

/**
 * Why the scenario cannot run here, or undefined when it can: mounting needs root, and a root
 * without the capability (some containers) cannot either, so a small mount is tried.
 */
export function diskFullUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a small filesystem needs root';
  const probe = path.join(CACHE_DIR, `small-disk-probe-${process.pid}`);
  try {
    mountSmallDisk(probe, '1m');
    execFileSync('umount', ['-l', probe], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return `cannot mount a small filesystem here (${String(error).split('\n')[0]})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** What the report shows to be wrong; empty when the full disk was handled as it must be. */
export function diskFullFindings(report: DiskFullReport): string[] {
  const findings: string[] = [];
  if (report.acknowledged === 0) findings.push('no sale was acknowledged before the disk filled');
  if (report.acknowledged >= report.attempted) findings.push('the disk never filled');
  if (report.error?.code !== 'DATA_DIR_FULL')
    findings.push(`the supervisor reported ${report.error?.code ?? 'no error'}, not DATA_DIR_FULL`);
  else if (!report.error.message.includes(report.dataDir))
    findings.push('the error does not name the data directory');
  if (!['restarting', 'starting'].includes(report.stateWhileFull))
    findings.push(`the supervisor was ${report.stateWhileFull}, not retrying`);
  if (report.intact !== report.acknowledged)
    findings.push(`${report.acknowledged - report.intact} acknowledged sales lost`);
  if (!report.valid) findings.push('the sales collection does not validate');
  return findings;
}

function mountSmallDisk(mountPoint: string, size: string): void {
  mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint], {
    stdio: 'ignore',
  });
}

export async function diskFullAtSite(binary: string): Promise<DiskFullReport> {
  const mountPoint = path.join(CACHE_DIR, `small-disk-${process.pid}-${Date.now().toString(36)}`);
  mountSmallDisk(mountPoint, '160m');
  let supervisor: MongodSupervisor | undefined;
  try {
    writeFileSync(path.join(mountPoint, 'filler'), randomBytes(60 * 1024 * 1024));
    const dbPath = path.join(mountPoint, 'db');
    supervisor = createMongodSupervisor({
      binary,
      dbPath,
      replSetName: 'site',
      // Journal files of 10 MB (default 100 MB), so the small disk fills with data.
      extraArgs: ['--wiredTigerEngineConfigString', 'log=(file_max=10MB)'],
      logFile: path.join(mountPoint, '..', `${path.basename(mountPoint)}-mongod.log`),
      restart: { initialMs: 500, maxMs: 2_000 },
      watchdog: { intervalMs: 2_000, failures: 3 },
    });
    supervisor.onStateChange((state) => state.name === 'running' && recordPid(state.pid));
    const running = await supervisor.start();
    const client = new MongoClient(running.uri, { serverSelectionTimeoutMS: 3_000 });
    const attempted = 400;
    let acknowledged = 0;
    try {
      for (let i = 0; i < attempted; i++) {
        await client
          .db('pos')
          .collection('sales')
          .insertOne(
            { _id: i as never, blob: randomBytes(700_000).toString('base64') },
            { writeConcern: { w: 1, j: true } },
          );
        acknowledged = i + 1;
      }
    } catch {
      // the disk is full
    } finally {
      await client.close(true).catch(() => undefined);
    }
    // The supervisor notices when mongod exits or stops answering: up to two minutes.
    let health = await supervisor.health();
    for (let waited = 0; health.error?.code !== 'DATA_DIR_FULL' && waited < 120_000;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      waited += 500;
      health = await supervisor.health();
    }
    const error = health.error ? { code: health.error.code, message: health.error.message } : null;
    // Recovery in place once space is freed is not proven under Wine (each retry's journal
    // recovery took the freed space again), so the data directory moves to a disk with room.
    await supervisor.stop();
    const moved = await testDir('disk-full-moved');
    execFileSync('cp', ['-a', `${dbPath}/.`, moved]);
    rmSync(path.join(moved, LOCK_FILE), { force: true });
    supervisor = createMongodSupervisor({ binary, dbPath: moved, replSetName: 'site' });
    supervisor.onStateChange((state) => state.name === 'running' && recordPid(state.pid));
    const back = await supervisor.start();
    const after = new MongoClient(back.uri, { serverSelectionTimeoutMS: 10_000 });
    try {
      const sales = after.db('pos').collection('sales');
      const intact = await sales.countDocuments({ _id: { $lt: acknowledged } as never });
      const validation = await after.db('pos').command({ validate: 'sales', full: true });
      return {
        dataDir: dbPath,
        acknowledged,
        attempted,
        error,
        stateWhileFull: health.state,
        intact,
        valid: validation['valid'] === true,
      };
    } finally {
      await after.close();
    }
  } finally {
    await supervisor?.stop().catch(() => undefined);
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    rmSync(mountPoint, { recursive: true, force: true });
  }
}
