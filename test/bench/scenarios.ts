import type { AnyBulkWriteOperation, Db, Document } from 'mongodb';
import { createCentralWriter } from '../../sync/central/writer.js';
import type { BenchMongods } from './harness.js';
import { docs, percentile, startSite, until, withPeakMemory } from './harness.js';

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
      const latencies: number[] = [];
      const total = ratePerSec * seconds;
      const reader = (async () => {
        for await (const event of stream) {
          const t0 = (event as { fullDocument?: { t0?: number } }).fullDocument?.t0;
          if (t0) latencies.push(Date.now() - t0);
          if (latencies.length >= total) break;
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
      return latencies.sort((x, y) => x - y);
    };
    // Ceiling: the same writes observed by a change stream on the same server (central).
    const ceiling = await measure(a.central.db(`${db}_ceiling`), a.central.db(`${db}_ceiling`));
    const { result: outpost, peakRssMb } = await withPeakMemory(() =>
      measure(a.local.db(db), b.local.db(db)),
    );
    const p99 = percentile(outpost, 99);
    return {
      name: `propagation site A -> central -> site B at ${ratePerSec}/s`,
      size: outpost.length,
      outpost: {
        p50: percentile(outpost, 50),
        p99,
        max: outpost[outpost.length - 1] ?? 0,
        received: outpost.length,
      },
      ceiling: {
        p50: percentile(ceiling, 50),
        p99: percentile(ceiling, 99),
        max: ceiling[ceiling.length - 1] ?? 0,
      },
      ratio: null,
      target: 'p99 < 1000 ms',
      met: p99 < 1000 && outpost.length === ratePerSec * seconds,
      peakRssMb,
    };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

export async function localWriteOverhead(m: BenchMongods, writes: number): Promise<ScenarioResult> {
  const db = dbName('overhead');
  const site = await startSite(m.sites[0]!.running.uri, m.central.running.uri, db, 'a', false);
  const time = async (label: string) => {
    const samples: number[] = [];
    for (let i = 0; i < writes; i++) {
      const started = performance.now();
      await site.local
        .db(db)
        .collection('sales')
        .insertOne({ _id: `${label}-${i}` as never, total: i, lines: [{ sku: 'A', qty: 1 }] });
      samples.push(performance.now() - started);
    }
    return samples.sort((x, y) => x - y);
  };
  try {
    await time('warmup');
    const off = await time('off');
    await site.engine.start();
    const { result: on, peakRssMb } = await withPeakMemory(() => time('on'));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const overhead = mean(on) / mean(off) - 1;
    return {
      name: 'local write latency, sync on vs off',
      size: writes,
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
      notes: `overhead ${(overhead * 100).toFixed(1)}%`,
    };
  } finally {
    await site.stop();
  }
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
