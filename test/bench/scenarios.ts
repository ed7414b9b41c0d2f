import { MongoClient, type AnyBulkWriteOperation, type Db, type Document } from 'mongodb';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCentralWriter } from '../../sync/central/writer.js';
import { startTestMongod, stopTestMongod } from '../harness/mongods.js';
import { CENTRAL_OWN } from '../harness/db-names.js';
import type { BenchMongods } from './harness.js';
import type { FleetReply, FleetShare } from './fleet-engines.js';
import { cpuSeconds, docs, percentile, startSite, until, withPeakMemory } from './harness.js';

export interface ScenarioResult {
  name: string;
  size: number;
  outpost: Record<string, number>;
  ceiling: Record<string, number>;
  /** Outpost relative to the ceiling (throughput ratio, or ceiling/outpost time). */
  ratio: number | null;
  target: string;
  met: boolean | null;
  peakRssMb: number;
  notes?: string;
}

const CHUNK = 5_000;
let runId = 0;
const dbName = (name: string) => `bench_${name}_${Date.now().toString(36)}_${runId++}`;

async function insertChunked(db: Db, coll: string, count: number, tag = 'sale'): Promise<void> {
  for (let offset = 0; offset < count; offset += CHUNK) {
    await db
      .collection(coll)
      .insertMany(docs(Math.min(CHUNK, count - offset), offset, tag) as never[], {
        ordered: false,
      });
  }
}

/** The ceiling for applying at a site: raw bulk replace-upserts of the same documents. */
async function replaceUpsertCeiling(db: Db, count: number): Promise<number> {
  const started = performance.now();
  for (let offset = 0; offset < count; offset += 1_000) {
    const ops = docs(Math.min(1_000, count - offset), offset).map((doc) => ({
      replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true },
    })) as unknown as AnyBulkWriteOperation<Document>[];
    await db.collection('ceiling').bulkWrite(ops, { ordered: false });
  }
  return performance.now() - started;
}

function throughput(count: number, ms: number) {
  return Math.round((count / ms) * 1000);
}

export async function pushThroughput(m: BenchMongods, count: number): Promise<ScenarioResult> {
  const db = dbName('push');
  const site = await startSite(m.sites[0]!.running.uri, m.central.running.uri, db, 'a');
  try {
    const ceilingStart = performance.now();
    await insertChunked(site.central.db(`${db}_ceiling`), 'sales', count);
    const ceilingMs = performance.now() - ceilingStart;
    const { result: ms, peakRssMb } = await withPeakMemory(async () => {
      const started = performance.now();
      await insertChunked(site.local.db(db), 'sales', count);
      await until(
        async () =>
          (await site.central.db(db).collection('sales').estimatedDocumentCount()) >= count,
        600_000,
        200,
      );
      return performance.now() - started;
    });
    const ratio = ceilingMs / ms;
    return {
      name: 'push site -> central',
      size: count,
      outpost: { ms: Math.round(ms), docsPerSec: throughput(count, ms) },
      ceiling: { ms: Math.round(ceilingMs), docsPerSec: throughput(count, ceilingMs) },
      ratio,
      target: '>= 0.7 of the ceiling',
      met: ratio >= 0.7,
      peakRssMb,
    };
  } finally {
    await site.stop();
  }
}

export async function pullThroughput(m: BenchMongods, count: number): Promise<ScenarioResult> {
  const db = dbName('pull');
  const site = await startSite(m.sites[1]!.running.uri, m.central.running.uri, db, 'b');
  try {
    const ceilingMs = await replaceUpsertCeiling(site.local.db(`${db}_ceiling`), count);
    await site.engine.pause();
    const headOffice = createCentralWriter(site.central, 'bench-head-office');
    // Stamped like Outpost's own writes, in bulk (the writer inserts one by one).
    await site.central.db(db).createCollection('products');
    for (let offset = 0; offset < count; offset += CHUNK) {
      await site.central
        .db(db)
        .collection('products')
        .insertMany(
          docs(Math.min(CHUNK, count - offset), offset, 'product').map((d, i) => ({
            ...d,
            _sync: {
              v: `${String(1_800_000_000_000 + offset + i).padStart(13, '0')}-000000-head-office`,
              o: 'head-office',
            },
          })) as never[],
        );
    }
    void headOffice;
    const { result: ms, peakRssMb } = await withPeakMemory(async () => {
      const started = performance.now();
      await site.engine.resume();
      await until(
        async () =>
          (await site.local.db(db).collection('products').estimatedDocumentCount()) >= count,
        600_000,
        200,
      );
      return performance.now() - started;
    });
    const ratio = ceilingMs / ms;
    return {
      name: 'pull central -> site',
      size: count,
      outpost: { ms: Math.round(ms), docsPerSec: throughput(count, ms) },
      ceiling: { ms: Math.round(ceilingMs), docsPerSec: throughput(count, ceilingMs) },
      ratio,
      target: '>= 0.7 of the ceiling',
      met: ratio >= 0.7,
      peakRssMb,
    };
  } finally {
    await site.stop();
  }
}

export async function propagationLatency(
  m: BenchMongods,
  ratePerSec: number,
  seconds: number,
): Promise<ScenarioResult> {
  const db = dbName('latency');
  const a = await startSite(m.sites[0]!.running.uri, m.central.running.uri, db, 'a');
  const b = await startSite(m.sites[1]!.running.uri, m.central.running.uri, db, 'b');
  try {
    const measure = async (writeDb: Db, watchDb: Db) => {
      const stream = watchDb
        .collection('sales')
        .watch([{ $match: { operationType: { $in: ['insert', 'replace', 'update'] } } }], {
          fullDocument: 'updateLookup',
        });
      await stream.tryNext();
      const steady: number[] = [];
      const firstSecond: number[] = [];
      const total = ratePerSec * seconds;
      const reader = (async () => {
        for await (const event of stream) {
          const doc = (event as { fullDocument?: { t0?: number; total?: number } }).fullDocument;
          if (doc?.t0)
            (Number(doc.total) < ratePerSec ? firstSecond : steady).push(Date.now() - doc.t0);
          if (steady.length + firstSecond.length >= total) break;
        }
      })();
      const started = Date.now();
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / ratePerSec;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        await writeDb
          .collection('sales')
          .insertOne({ _id: `lat-${i}` as never, t0: Date.now(), total: i });
      }
      await Promise.race([reader, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      await stream.close();
      return {
        steady: steady.sort((x, y) => x - y),
        firstSecond: firstSecond.sort((x, y) => x - y),
      };
    };
    // Ceiling: the same writes observed by a change stream on the same server (central).
    const ceiling = await measure(a.central.db(`${db}_ceiling`), a.central.db(`${db}_ceiling`));
    const { result: outpost, peakRssMb } = await withPeakMemory(() =>
      measure(a.local.db(db), b.local.db(db)),
    );
    const p99 = percentile(outpost.steady, 99);
    const received = outpost.steady.length + outpost.firstSecond.length;
    return {
      name: `propagation site A -> central -> site B at ${ratePerSec}/s`,
      size: received,
      outpost: {
        p50: percentile(outpost.steady, 50),
        p99,
        max: outpost.steady.at(-1) ?? 0,
        firstSecondMax: outpost.firstSecond.at(-1) ?? 0,
        received,
      },
      ceiling: {
        p50: percentile(ceiling.steady, 50),
        p99: percentile(ceiling.steady, 99),
        max: ceiling.steady.at(-1) ?? 0,
        firstSecondMax: ceiling.firstSecond.at(-1) ?? 0,
      },
      ratio: null,
      target: 'p99 < 1000 ms',
      met: p99 < 1000 && received === ratePerSec * seconds,
      peakRssMb,
      notes:
        'p50, p99 and max of the writes after the first second; before it, site B still polls ' +
        'central at its quiet pace (sync.pullIdlePollMs, 1 s): firstSecondMax',
    };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

/**
 * Local write latency with sync on against off, the same inserts either way: `ratePerSec` paces
 * them like tills (0: back to back, as fast as one client can write, which measures how much of
 * this machine's two cores sync takes from a burst rather than what a till waits). The phases
 * alternate (off, on, off, on, ...) so that the machine's drift between a first and a second half
 * does not read as overhead. The till runs in a process of its own (till.ts), as a POS does. Each
 * phase with sync on starts once the engine has sent what the till wrote while it was stopped
 * (the first start's backlog is the backlog scenario's to measure) and stops the engine at its end.
 */
export async function localWriteOverhead(
  m: BenchMongods,
  writes: number,
  ratePerSec: number,
  phases = 3,
): Promise<ScenarioResult> {
  const db = dbName('overhead');
  const siteUri = m.sites[0]!.running.uri;
  let written = 0;
  const time = async (count: number) => {
    const samples = await runTill({ uri: siteUri, db, count, rate: ratePerSec, firstId: written });
    written += count;
    return samples;
  };
  const perPhase = Math.ceil(writes / phases);
  const off: number[] = [];
  const on: number[] = [];
  let peakRssMb = 0;
  await time(perPhase); // warm-up
  for (let phase = 0; phase < phases; phase++) {
    off.push(...(await time(perPhase)));
    const site = await startSite(siteUri, m.central.running.uri, db, 'a');
    try {
      await until(
        async () =>
          (await site.engine.status()).outboxDepth === 0 &&
          (await site.central.db(db).collection('sales').estimatedDocumentCount()) >= written,
        300_000,
        200,
      );
      const measured = await withPeakMemory(() => time(perPhase));
      on.push(...measured.result);
      peakRssMb = Math.max(peakRssMb, measured.peakRssMb);
    } finally {
      await site.stop();
    }
  }
  on.sort((x, y) => x - y);
  off.sort((x, y) => x - y);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const overhead = mean(on) / mean(off) - 1;
  return {
    name: `local write latency, sync on vs off, ${ratePerSec > 0 ? `${ratePerSec} writes/s` : 'back to back'}`,
    size: on.length,
    outpost: {
      meanMs: round(mean(on)),
      p50Ms: round(percentile(on, 50)),
      p99Ms: round(percentile(on, 99)),
    },
    ceiling: {
      meanMs: round(mean(off)),
      p50Ms: round(percentile(off, 50)),
      p99Ms: round(percentile(off, 99)),
    },
    ratio: mean(off) / mean(on),
    target: 'overhead <= 10%',
    met: overhead <= 0.1,
    peakRssMb,
    notes: `overhead ${(overhead * 100).toFixed(1)}% (${phases} alternating phases each way)`,
  };
}

/** Runs till.ts in a child process and returns its insert latencies, in ms. */
function runTill(job: { uri: string; db: string; count: number; rate: number; firstId: number }) {
  return new Promise<number[]>((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./till.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
    });
    let samples: number[] | undefined;
    child.once('message', (reply: { samples: number[] }) => (samples = reply.samples));
    child.once('error', reject);
    child.once('exit', (code) =>
      samples ? resolve(samples) : reject(new Error(`the till process exited with ${code}`)),
    );
    child.send(job);
  });
}

export async function bootstrap(m: BenchMongods, count: number): Promise<ScenarioResult> {
  const db = dbName('bootstrap');
  const site = await startSite(m.sites[1]!.running.uri, m.central.running.uri, db, 'b', false);
  try {
    await insertChunked(site.central.db(db), 'products', count, 'product');
    const ceilingMs = await replaceUpsertCeiling(site.local.db(`${db}_ceiling`), count);
    const { result: ms, peakRssMb } = await withPeakMemory(async () => {
      const started = performance.now();
      await site.engine.start();
      await until(
        async () =>
          (await site.local.db(db).collection('products').estimatedDocumentCount()) >= count,
        1_800_000,
        500,
      );
      return performance.now() - started;
    });
    return {
      name: 'bootstrap of a new site',
      size: count,
      outpost: { ms: Math.round(ms), docsPerSec: throughput(count, ms) },
      ceiling: { ms: Math.round(ceilingMs), docsPerSec: throughput(count, ceilingMs) },
      ratio: ceilingMs / ms,
      target: '1M documents in under 3 minutes',
      met: count >= 1_000_000 ? ms < 180_000 : null,
      peakRssMb,
      ...(count < 1_000_000
        ? {
            notes: `projected for 1M at this rate: ${Math.round(((ms / count) * 1_000_000) / 1000)} s`,
          }
        : {}),
    };
  } finally {
    await site.stop();
  }
}

export async function backlogDrain(m: BenchMongods, count: number): Promise<ScenarioResult> {
  const db = dbName('backlog');
  const site = await startSite(m.sites[0]!.running.uri, m.central.running.uri, db, 'a');
  try {
    const ceilingStart = performance.now();
    await insertChunked(site.central.db(`${db}_ceiling`), 'sales', count);
    const ceilingMs = performance.now() - ceilingStart;
    await site.engine.pause(); // capture keeps recording: the outbox fills as it would offline
    await insertChunked(site.local.db(db), 'sales', count);
    await until(async () => (await site.engine.status()).outboxDepth >= count, 1_800_000, 500);
    const { result: ms, peakRssMb } = await withPeakMemory(async () => {
      const started = performance.now();
      await site.engine.resume();
      await until(
        async () =>
          (await site.central.db(db).collection('sales').estimatedDocumentCount()) >= count,
        1_800_000,
        500,
      );
      return performance.now() - started;
    });
    return {
      name: 'drain a backlog made offline',
      size: count,
      outpost: { ms: Math.round(ms), docsPerSec: throughput(count, ms) },
      ceiling: { ms: Math.round(ceilingMs), docsPerSec: throughput(count, ceilingMs) },
      ratio: ceilingMs / ms,
      target: '1M changes in under 5 minutes',
      met: count >= 1_000_000 ? ms < 300_000 : null,
      peakRssMb,
      ...(count < 1_000_000
        ? {
            notes: `projected for 1M at this rate: ${Math.round(((ms / count) * 1_000_000) / 1000)} s`,
          }
        : {}),
    };
  } finally {
    await site.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * A fleet of `count` sites (engines in child processes of `perProcess` sites each, local
 * databases spread over `siteMongods` site mongods) against one central: each site rings up
 * `ratePerSite` sales a second (scoped to the site) while head office changes a price every
 * second. Reports site -> central latency of the sales, central -> every site latency of the price
 * changes, central's operations per second and connections, and the peak memory of the largest
 * engine process.
 */
export async function fleet(
  bench: BenchMongods,
  count: number,
  seconds: number,
  ratePerSite: number,
  perProcess: number,
  siteMongods: number,
): Promise<ScenarioResult> {
  const db = dbName('fleet');
  // Site mongods beyond the run's two, started for the fleet alone.
  const extra = await Promise.all(
    Array.from({ length: Math.max(0, siteMongods - bench.sites.length) }, (_, i) =>
      startTestMongod(`bench-fleet-${i}`, 'site'),
    ),
  );
  const m = { ...bench, sites: [...bench.sites, ...extra].slice(0, siteMongods) };
  const central = new MongoClient(m.central.running.uri, { serverSelectionTimeoutMS: 10_000 });
  const locals = m.sites.map((s) => new MongoClient(s.running.uri, { maxPoolSize: 200 }));
  for (const coll of ['sales', 'products', ...CENTRAL_OWN])
    await central.db(db).createCollection(coll);
  const headOffice = createCentralWriter(central, 'head-office');
  const PRODUCTS = 20;
  for (let i = 0; i < PRODUCTS; i++)
    await headOffice.insert(db, 'products', { _id: `p${i}`, price: 1, t0: 0 });
  const sites = Array.from({ length: count }, (_, i) => ({
    name: `s${i}`,
    local: locals[i % locals.length]!,
    localDb: `${db}_s${i}`,
    uri: m.sites[i % m.sites.length]!.running.uri,
  }));
  for (const site of sites)
    for (const coll of ['sales', 'products'])
      await site.local.db(site.localDb).createCollection(coll);
  const siteToCentral: number[] = [];
  const centralToSites: number[] = [];
  const shares: EngineShare[] = [];
  try {
    for (let first = 0; first < count; first += perProcess)
      shares.push(
        await startEngineShare({
          centralUri: m.central.running.uri,
          db,
          sites: sites.slice(first, first + perProcess).map(({ name, localDb, uri }) => ({
            name,
            localDb,
            uri,
          })),
        }),
      );
    await until(
      async () =>
        (
          await Promise.all(
            sites.map((s) => s.local.db(s.localDb).collection('products').countDocuments()),
          )
        ).every((n) => n === PRODUCTS),
      300_000,
      250,
    );
    const stream = central
      .db(db)
      .collection('sales')
      .watch([{ $match: { operationType: 'insert' } }]);
    await stream.tryNext();
    const reader = (async () => {
      for await (const event of stream) {
        const t0 = (event as { fullDocument?: { t0?: number } }).fullDocument?.t0;
        if (t0) siteToCentral.push(Date.now() - t0);
      }
    })().catch(() => undefined);
    const before = await serverOps(central);
    const cpuBefore = cpuSnapshot(m, shares);
    const started = Date.now();
    const stopAt = started + seconds * 1000;
    const sell = sites.map(async (site, s) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const due = started + (s / count) * (1000 / ratePerSite) + (i * 1000) / ratePerSite;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        await site.local
          .db(site.localDb)
          .collection('sales')
          .insertOne({ siteId: site.name, t0: Date.now(), total: i });
      }
    });
    // Each price change is timed until the last site holds it, from one change stream on each
    // site mongod (every site's apply as it happens). Polling 50 databases 4 times a second added
    // 200 queries a second to the site mongods, about an eighth of all they were asked.
    const changes: { id: string; t0: number; pending: Set<number> }[] = [];
    const seen = sites.map(() => new Map<string, number>());
    const siteOf = new Map(sites.map((site, s) => [site.localDb, s]));
    const settle = (change: (typeof changes)[number], s: number) => {
      change.pending.delete(s);
      if (change.pending.size === 0) centralToSites.push(Date.now() - change.t0);
    };
    const applies = locals.map((local) =>
      local.watch<Document, AppliedPrice>([
        { $match: { 'ns.coll': 'products', operationType: { $in: ['update', 'replace'] } } },
      ]),
    );
    await Promise.all(applies.map((applied) => applied.tryNext()));
    // Closed at the end: the iteration then fails, which is how each reader stops.
    const appliedReaders = applies.map((applied) =>
      (async () => {
        for await (const event of applied) {
          const s = siteOf.get(event.ns.db);
          if (s === undefined) continue;
          const id = String(event.documentKey._id);
          const t0 = Number(
            (event.fullDocument ?? event.updateDescription?.updatedFields)?.['t0'] ?? 0,
          );
          seen[s]!.set(id, Math.max(seen[s]!.get(id) ?? 0, t0));
          for (const change of changes)
            if (change.id === id && change.t0 <= t0 && change.pending.has(s)) settle(change, s);
        }
      })().catch(() => undefined),
    );
    const prices = (async () => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const id = `p${i % PRODUCTS}`;
        const t0 = Date.now();
        await headOffice.update(db, 'products', id, (d) => ({ ...d, price: i + 2, t0 }));
        const change = { id, t0, pending: new Set(sites.map((_, s) => s)) };
        changes.push(change);
        // A site that applied it before it was listed here.
        for (const [s, known] of seen.entries()) if ((known.get(id) ?? 0) >= t0) settle(change, s);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    await Promise.all([...sell, prices]);
    await until(
      () => Promise.resolve(changes.every((change) => change.pending.size === 0)),
      60_000,
    ).catch(() => undefined);
    // A change some site never applied within the minute counts as a minute late.
    for (const change of changes)
      if (change.pending.size > 0) {
        change.pending.clear();
        centralToSites.push(60_000);
      }
    await Promise.all(applies.map((applied) => applied.close()));
    await Promise.all(appliedReaders);
    const after = await serverOps(central);
    const elapsed = (Date.now() - started) / 1000;
    const cpu = cpuCores(cpuBefore, cpuSnapshot(m, shares), elapsed);
    const sold = await Promise.all(
      sites.map((s) => s.local.db(s.localDb).collection('sales').countDocuments()),
    );
    const total = sold.reduce((a, b) => a + b, 0);
    // Every sale at central (the change stream saw each insert), or a minute passed.
    await until(() => Promise.resolve(siteToCentral.length >= total), 60_000).catch(
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stream.close();
    await reader;
    const connections = (
      (await central.db('admin').command({ serverStatus: 1 })) as {
        connections: { current: number };
      }
    ).connections.current;
    // Then a quiet spell, the common case of a real fleet: nothing sold, no price changed. Past
    // pullIdleAfterMs (10 s) every site polls central once a second; what central pays for that
    // is the fleet's floor.
    await new Promise((resolve) => setTimeout(resolve, QUIET_SETTLE_MS));
    const quietOps = await serverOps(central);
    const quietCpu = cpuSnapshot(m, shares);
    const quietStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const quietSeconds = (Date.now() - quietStarted) / 1000;
    const quiet = cpuCores(quietCpu, cpuSnapshot(m, shares), quietSeconds);
    const quietOpsPerSec = Math.round(((await serverOps(central)) - quietOps) / quietSeconds);
    const peaks = await Promise.all(shares.map((share) => share.stop()));
    shares.length = 0;
    const peakRssMb = Math.max(...peaks);
    siteToCentral.sort((x, y) => x - y);
    centralToSites.sort((x, y) => x - y);
    const p99 = percentile(siteToCentral, 99);
    const fleetP99 = percentile(centralToSites, 99);
    return {
      name: `fleet of ${count} sites against one central, ${ratePerSite} sales/s each`,
      size: count,
      outpost: {
        siteToCentralP50: percentile(siteToCentral, 50),
        siteToCentralP99: p99,
        centralToAllSitesP50: percentile(centralToSites, 50),
        centralToAllSitesP99: fleetP99,
        sales: siteToCentral.length,
        centralOpsPerSec: Math.round((after - before) / elapsed),
        centralConnections: connections,
        ...cpu,
        quietCentralOpsPerSec: quietOpsPerSec,
        ...(quiet['centralCpuCores'] === undefined
          ? {}
          : { quietCentralCpuCores: quiet['centralCpuCores'] }),
      },
      ceiling: {},
      ratio: null,
      target: 'p99 < 1000 ms both ways; engine memory < 250 MB',
      met: p99 < 1000 && fleetP99 < 1000 && peakRssMb < 250,
      peakRssMb,
      notes:
        `engines in ${Math.ceil(count / perProcess)} processes of up to ${perProcess} sites; ` +
        `peak RSS is the largest such process, ${Math.round(peakRssMb / Math.min(count, perProcess))} MB per site; ` +
        `CPU in cores while selling: central mongod, the ${m.sites.length} site mongods, the engine processes; ` +
        `quiet: central while nothing happens (after ${QUIET_SETTLE_MS / 1000} s of it)`,
    };
  } finally {
    await Promise.allSettled(shares.map((share) => share.stop()));
    await central
      .db(db)
      .dropDatabase()
      .catch(() => undefined);
    for (const site of sites)
      await site.local
        .db(site.localDb)
        .dropDatabase()
        .catch(() => undefined);
    await Promise.allSettled([central.close(), ...locals.map((l) => l.close())]);
    await Promise.allSettled(extra.map((mongod) => stopTestMongod(mongod)));
  }
}

/** The fleet's quiet spell: time for every site's pull to slow down, then the measured part. */
const QUIET_SETTLE_MS = 12_000;
const QUIET_MS = 10_000;

/** A price change applied at a fleet site, as the site mongod's change stream shows it. */
interface AppliedPrice {
  ns: { db: string };
  documentKey: { _id: unknown };
  fullDocument?: Document;
  updateDescription?: { updatedFields?: Document };
}

interface CpuSnapshot {
  central: number | null;
  sites: (number | null)[];
  engines: number | null;
}

function cpuSnapshot(m: BenchMongods, shares: EngineShare[]): CpuSnapshot {
  const engines = shares.map((share) => cpuSeconds(share.pid));
  return {
    central: cpuSeconds(m.central.running.pid),
    sites: m.sites.map((site) => cpuSeconds(site.running.pid)),
    engines: engines.some((c) => c === null) ? null : engines.reduce((a, b) => a! + b!, 0),
  };
}

interface EngineShare {
  pid: number;
  /** Stops the share's engines and ends its process; its peak resident memory in MB. */
  stop(): Promise<number>;
}

/** Starts a share of the fleet's engines in a process of its own (`fleet-engines.ts`). */
function startEngineShare(share: FleetShare): Promise<EngineShare> {
  const child = fork(fileURLToPath(new URL('./fleet-engines.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
  });
  const replies: FleetReply[] = [];
  const waiters: (() => void)[] = [];
  let exitCode: number | null | undefined;
  child.on('message', (reply: FleetReply) => {
    replies.push(reply);
    waiters.splice(0).forEach((wake) => wake());
  });
  child.once('exit', (code) => {
    exitCode = code;
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async <K extends string>(
    key: K,
  ): Promise<Extract<FleetReply, Record<K, unknown>>> => {
    for (;;) {
      const found = replies.find((r) => key in r);
      if (found) return found as Extract<FleetReply, Record<K, unknown>>;
      if (exitCode !== undefined)
        throw new Error(`a fleet engine process exited with ${exitCode} before replying ${key}`);
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  let stopped: Promise<number> | undefined;
  child.send(share);
  return next('started').then(() => ({
    pid: child.pid!,
    stop: () =>
      (stopped ??= (async () => {
        if (exitCode !== undefined) return 0;
        child.send('stop');
        return (await next('peakRssMb')).peakRssMb;
      })()),
  }));
}

/**
 * Cores each part used between two snapshots (1 = one core busy throughout): central's load is
 * what a real fleet shares; the site mongods and the engines stand in for fifty machines here.
 */
function cpuCores(from: CpuSnapshot, to: CpuSnapshot, seconds: number): Record<string, number> {
  const cores = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null ? undefined : Math.round(((b - a) / seconds) * 100) / 100;
  const sites = to.sites.map((t, i) => cores(from.sites[i], t));
  const result: Record<string, number | undefined> = {
    centralCpuCores: cores(from.central, to.central),
    siteMongodsCpuCores: sites.some((c) => c === undefined)
      ? undefined
      : Math.round(sites.reduce((a, b) => a! + b!, 0)! * 100) / 100,
    enginesCpuCores: cores(from.engines, to.engines),
  };
  return Object.fromEntries(
    Object.entries(result).filter((entry): entry is [string, number] => entry[1] !== undefined),
  );
}

async function serverOps(client: MongoClient): Promise<number> {
  const status = (await client.db('admin').command({ serverStatus: 1 })) as {
    opcounters: Record<string, number>;
  };
  return Object.values(status.opcounters).reduce((a, b) => a + Number(b), 0);
}
