/** Mongods and engines for the benchmark: one central and two sites, started once per run. */
import { readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { createSyncEngine, type SyncEngine } from '../../sync/engine/create-engine.js';
import { startTestMongod, stopTestMongod, type TestMongod } from '../harness/mongods.js';
import { killLeftovers } from '../harness/processes.js';

export interface BenchMongods {
  central: TestMongod;
  sites: TestMongod[];
  stop(): Promise<void>;
}

export async function startBenchMongods(): Promise<BenchMongods> {
  killLeftovers();
  const [central, a, b] = await Promise.all([
    startTestMongod('bench-central', 'central'),
    startTestMongod('bench-a', 'site'),
    startTestMongod('bench-b', 'site'),
  ]);
  return {
    central: central,
    sites: [a, b],
    async stop() {
      await Promise.allSettled([central, a, b].map((m) => stopTestMongod(m)));
      killLeftovers('own');
    },
  };
}

export interface BenchSite {
  engine: SyncEngine;
  local: MongoClient;
  central: MongoClient;
  stop(): Promise<void>;
}

export async function startSite(
  siteUri: string,
  centralUri: string,
  dbName: string,
  name: string,
  start = true,
): Promise<BenchSite> {
  const local = new MongoClient(siteUri);
  const central = new MongoClient(centralUri, { serverSelectionTimeoutMS: 5_000 });
  const engine = createSyncEngine({
    instanceId: `bench-${name}`,
    local,
    localUri: siteUri,
    central,
    rules: { databases: [{ name: dbName, collections: {} }], exclude: [] },
    metaDatabase: `outpost_${name}_${dbName}`,
    tunables: {
      batchSize: 1_000,
      pullBatchSize: 1_000,
      pushIntervalMs: 20,
      maxAwaitTimeMs: 100,
      heartbeatMs: 5_000,
    },
  });
  if (start) {
    await engine.start();
    // A site runs its engine long before the sales a scenario writes: wait until capture has
    // finished its first start (the scan of what already exists), or that scan races the
    // scenario's own writes and queues them twice.
    const checkpoints = local.db(`outpost_${name}_${dbName}`).collection('checkpoints');
    await until(
      async () =>
        (await checkpoints.findOne({ _id: `capture:${dbName}` as never }))?.['initialEnqueued'] ===
        true,
      30_000,
    );
  }
  return {
    engine,
    local,
    central,
    async stop() {
      await engine.stop();
      await Promise.all([local.close(), central.close()]);
    },
  };
}

export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  pollMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`benchmark step did not finish within ${timeoutMs} ms`);
}

export function docs(count: number, offset = 0, tag = 'sale') {
  return Array.from({ length: count }, (_, i) => ({
    _id: `${tag}-${offset + i}`,
    site: 'bench',
    total: ((offset + i) % 997) / 10,
    lines: [{ sku: `SKU-${(offset + i) % 500}`, qty: 1 + ((offset + i) % 3), price: 2.5 }],
    at: new Date(1_800_000_000_000 + offset + i),
  }));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Peak resident memory of this process while `work` runs, sampled every 100 ms. */
export async function withPeakMemory<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const result = await work();
    return { result, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * CPU time a process has used so far, in seconds (user + system, from /proc), or null where that
 * is not readable (not Linux, or the process is gone). Under Wine a mongod.exe is its own Linux
 * process, so this is the database's own work; Wine's shared server is not counted.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    // Fields after the command name: state is the first, utime and stime the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc's times: 100 on every Linux this runs on (USER_HZ). */
const CLOCK_TICKS = 100;
