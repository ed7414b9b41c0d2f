/**
 * Starts the mongods an integration run shares (one central replica set, three site replica sets)
 * once, hands their URIs to the tests through `inject('mongo')`, and stops them at the end.
 * Tests keep apart by database name (see db-names.ts).
 */
import type { TestProject } from 'vitest/node';
import { startTestMongod, stopTestMongod, type TestMongod } from './mongods.js';
import { killLeftovers } from './processes.js';
import { providedMongod } from './provision.js';

export interface HarnessMongos {
  binary: string;
  kind: 'native' | 'wine';
  central: string;
  sites: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    mongo: HarnessMongos;
  }
}

export default async function setup(project: TestProject) {
  // Development shortcut: reuse already running mongods, e.g. OUTPOST_TEST_REUSE='["central uri","site uri",...]'.
  const reuse = process.env['OUTPOST_TEST_REUSE'];
  if (reuse) {
    const [central, ...sites] = JSON.parse(reuse) as string[];
    const provided = await providedMongod();
    project.provide('mongo', {
      binary: provided.path,
      kind: provided.kind,
      central: central!,
      sites,
    });
    return;
  }
  // Test workers record the mongods they start under this run, not under their own pid.
  process.env['OUTPOST_HARNESS_OWNER'] = String(process.pid);
  const leftovers = killLeftovers();
  if (leftovers > 0)
    process.stderr.write(`[harness] killed ${leftovers} mongod(s) left by an earlier run\n`);
  const provided = await providedMongod();
  const started: TestMongod[] = [];
  const teardown = async () => {
    await Promise.allSettled(started.map((mongod) => stopTestMongod(mongod)));
    killLeftovers('own');
  };
  try {
    const all = await Promise.all([
      startTestMongod('central', 'central'),
      startTestMongod('site-a', 'site'),
      startTestMongod('site-b', 'site'),
      startTestMongod('site-c', 'site'),
    ]);
    started.push(...all);
  } catch (error) {
    await teardown();
    throw error;
  }
  const [central, ...sites] = started;
  project.provide('mongo', {
    binary: provided.path,
    kind: provided.kind,
    central: central!.running.uri,
    sites: sites.map((site) => site.running.uri),
  });
  return teardown;
}
