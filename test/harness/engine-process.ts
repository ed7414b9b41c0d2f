/**
 * Runs one site's engine in its own process, so tests can kill it with SIGKILL for real.
 * argv[2]: JSON EngineProcessSpec. With `crash`, the process SIGKILLs itself the nth time the
 * engine passes the named fault point. Prints "ready" once started; stops cleanly on SIGTERM;
 * SIGUSR2 pauses and resumes sync by turns.
 */
import { MongoClient } from 'mongodb';
import { engineClientOptions } from '../../sync/engine/client-options.js';
import type { FaultPoint } from '../../sync/engine/context.js';
import { createSyncEngine } from '../../sync/engine/create-engine.js';
import { createLogger, type LogLevel } from '../../sync/logging/logger.js';
import type { DatabaseRules } from '../../sync/engine/rules.js';
import { FAST_TUNABLES } from './tunables.js';

export interface EngineProcessSpec {
  instanceId: string;
  localUri: string;
  centralUri: string;
  dbName: string;
  metaDatabase: string;
  collections?: DatabaseRules['collections'];
  crash?: { point: FaultPoint; nth: number };
  /** Engine log level on stderr (silent when absent). */
  logLevel?: LogLevel;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as EngineProcessSpec;
let hits = 0;
const local = new MongoClient(spec.localUri, engineClientOptions());
const central = new MongoClient(
  spec.centralUri,
  engineClientOptions({ appName: spec.instanceId, serverSelectionTimeoutMS: 2_000 }),
);
const engine = createSyncEngine({
  instanceId: spec.instanceId,
  local,
  localUri: spec.localUri,
  central,
  rules: { databases: [{ name: spec.dbName, collections: spec.collections ?? {} }], exclude: [] },
  metaDatabase: spec.metaDatabase,
  tunables: FAST_TUNABLES,
  ...(spec.logLevel
    ? { logger: createLogger({ level: spec.logLevel, name: spec.instanceId }) }
    : {}),
  faults: {
    hit(point) {
      if (spec.crash?.point === point && ++hits === spec.crash.nth)
        process.kill(process.pid, 'SIGKILL');
    },
  },
});
await engine.start();
// SIGUSR2 pauses sync, and resumes it the next time (chaos: an operator's pause and resume).
let paused = false;
process.on('SIGUSR2', () => {
  paused = !paused;
  void (paused ? engine.pause() : engine.resume()).catch(() => undefined);
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void engine
    .stop()
    .then(() => Promise.all([local.close(), central.close()]))
    .then(() => process.exit(0));
});
