/**
 * An Outpost instance as `outpost serve` runs it (startOutpost), with its own data directory,
 * config file and mongod, for tests of what only a whole instance does (the API, the CLI, the
 * config file, backups).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { startOutpost, type OutpostInstance } from '../../sync/api/serve.js';
import { loadConfig } from '../../sync/config/index.js';
import { findFreePort } from '../../sync/util/ports.js';
import { testDir } from './mongods.js';
import { recordPid } from './processes.js';

export interface TestInstanceSetup {
  dataDir: string;
  /** The config file, which `start` reads each time. */
  file: string;
  /**
   * Starts an instance; `prepareLocal` runs once its mongod is up, before the engine starts
   * (the till's data, written before Outpost first syncs).
   */
  start(prepareLocal?: (local: MongoClient) => Promise<void>): Promise<OutpostInstance>;
}

/** Writes a config file (`config` over quiet defaults: free ports, warn logs) in a new dir. */
export async function testInstance(
  name: string,
  config: Record<string, unknown>,
): Promise<TestInstanceSetup> {
  const dataDir = await testDir(name);
  const file = path.join(dataDir, 'outpost.json');
  await writeFile(
    file,
    JSON.stringify({
      dataDir,
      local: { port: await findFreePort() },
      api: { port: 0 },
      log: { level: 'warn' },
      ...config,
    }),
  );
  return {
    dataDir,
    file,
    async start(prepareLocal) {
      const instance = await startOutpost({
        config: await loadConfig({ file }),
        configFile: file,
        mongodBinary: inject('mongo').binary,
        machineId: () => `test-machine-${name}`,
        ...(prepareLocal ? { prepareLocal } : {}),
      });
      const state = instance.supervisor.state;
      if (state.name === 'running') recordPid(state.pid);
      return instance;
    },
  };
}
