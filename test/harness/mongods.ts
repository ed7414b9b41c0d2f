import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  createMongodSupervisor,
  type MongodSupervisor,
  type RunningMongod,
} from '../../sync/mongod/index.js';
import { CACHE_DIR, providedMongod } from './provision.js';
import { claimPrefix, recordPid } from './processes.js';

/** mongods started for tests allow failpoints (configureFailPoint) for fault injection. */
export const TEST_MONGOD_ARGS = [
  '--setParameter',
  'enableTestCommands=1',
  // A transaction left open by a killed engine holds its locks until this expires (default 60 s).
  '--setParameter',
  'transactionLifetimeLimitSeconds=5',
] as const;

export interface TestMongod {
  supervisor: MongodSupervisor;
  running: RunningMongod;
  dbPath: string;
}

/** A fresh directory under .cache/test-data for one mongod or one test. */
export async function testDir(name: string): Promise<string> {
  const dir = path.join(
    CACHE_DIR,
    'test-data',
    `${name}-${process.pid}-${Date.now().toString(36)}`,
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function startTestMongod(name: string, replSetName: string): Promise<TestMongod> {
  const binary = (await providedMongod()).path;
  claimPrefix();
  const dbPath = await testDir(name);
  const supervisor = createMongodSupervisor({
    binary,
    dbPath,
    replSetName,
    extraArgs: TEST_MONGOD_ARGS,
    logFile: path.join(dbPath, 'mongod.log'),
  });
  supervisor.onStateChange((state) => {
    if (state.name === 'running') recordPid(state.pid);
  });
  const running = await supervisor.start();
  return { supervisor, running, dbPath };
}

export async function stopTestMongod(mongod: TestMongod): Promise<void> {
  await mongod.supervisor.stop();
  await rm(mongod.dbPath, { recursive: true, force: true });
}
