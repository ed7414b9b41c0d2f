/**
 * Once per e2e run: builds the UI (dist-renderer, served by each instance), provisions the test
 * mongod and starts central (a replica set) that every test's sites sync with. Sites are started
 * per test by the fixtures (each with its own data directory). Returns the teardown.
 */
import { spawnSync } from 'node:child_process';
import { startTestMongod, stopTestMongod, type TestMongod } from '../../harness/mongods.js';
import { killLeftovers } from '../../harness/processes.js';
import { providedMongod, REPO_ROOT } from '../../harness/provision.js';
import { electronSkipReason } from './electron-target.js';

export const CENTRAL_ENV = 'OUTPOST_E2E_CENTRAL';
export const MONGOD_ENV = 'OUTPOST_E2E_MONGOD';

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env['OUTPOST_E2E_SKIP_BUILD'] !== '1') {
    const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('Building the UI (vite build) failed.');
  }
  const skip = electronSkipReason();
  if (skip) process.stderr.write(`[e2e] ${skip}\n`);

  // Mongods of this run (central here, sites in the workers) are recorded under this process.
  process.env['OUTPOST_HARNESS_OWNER'] = String(process.pid);
  killLeftovers();
  const provided = await providedMongod();
  let central: TestMongod | undefined;
  try {
    central = await startTestMongod('e2e-central', 'central');
  } catch (error) {
    killLeftovers('own');
    throw error;
  }
  process.env[CENTRAL_ENV] = central.running.uri;
  process.env[MONGOD_ENV] = provided.path;
  return async () => {
    if (central) await stopTestMongod(central).catch(() => undefined);
    killLeftovers('own');
  };
}
