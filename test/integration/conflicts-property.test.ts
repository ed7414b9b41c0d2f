/**
 * Property: several replicas, random concurrent edits of the same documents, counter decrements,
 * head-office edits, partitions (delivery reordered relative to the writes) and engine restarts
 * (changes delivered again). Whatever the sequence: all replicas converge, counters lose nothing,
 * and no value written at a site vanishes silently: it reached central, or it is in the conflict
 * store. Seeded and reproducible; OUTPOST_PROPERTY_RUNS raises the number of runs.
 */
import fc from 'fast-check';
import type { ChangeStream } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { converged, createCluster, waitFor, type TestCluster } from '../harness/sync-cluster.js';

const RUNS = Number(process.env['OUTPOST_PROPERTY_RUNS'] ?? 6);
const SEED = Number(process.env['OUTPOST_SEED'] ?? 424242);
const DOCS = ['shared-0', 'shared-1'];
const START_QTY = 1_000;

type Op =
  | { type: 'edit'; site: number; doc: number }
  | { type: 'sell'; site: number; doc: number; units: number }
  | { type: 'head-office'; doc: number }
  | { type: 'partition'; site: number }
  | { type: 'heal'; site: number }
  | { type: 'restart'; site: number };

const site = fc.integer({ min: 0, max: 2 });
const doc = fc.integer({ min: 0, max: DOCS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('edit' as const), site, doc }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('sell' as const),
      site,
      doc,
      units: fc.integer({ min: 1, max: 5 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('head-office' as const), doc }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('partition' as const), site }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('heal' as const), site }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('restart' as const), site }) },
);

/** Every `note` value that ever appeared at central (insert or replace-by-pipeline update). */
function watchCentralNotes(stream: ChangeStream): Set<string> {
  const seen = new Set<string>();
  void (async () => {
    for await (const event of stream) {
      const e = event as {
        fullDocument?: { note?: string };
        updateDescription?: { updatedFields?: { note?: string } };
      };
      const note = e.fullDocument?.note ?? e.updateDescription?.updatedFields?.note;
      if (note) seen.add(note);
    }
  })().catch(() => undefined);
  return seen;
}

async function runScenario(ops: Op[]): Promise<void> {
  let cluster: TestCluster | undefined;
  try {
    cluster = await createCluster({ sites: 3, collections: { stock: { counters: ['qty'] } } });
    const c = cluster;
    const stream = c.centralDb.collection('stock').watch([], {});
    await stream.tryNext();
    const atCentral = watchCentralNotes(stream);
    for (const id of DOCS)
      await c.headOffice.insert(c.dbName, 'stock', {
        _id: id,
        qty: START_QTY,
        note: `start-${id}`,
      });
    await waitFor('seeded', async () =>
      (await Promise.all(c.sites.map((s) => s.db.collection('stock').countDocuments()))).every(
        (n) => n === DOCS.length,
      ),
    );
    const lastWritten = new Map<string, string>();
    const sold = DOCS.map(() => 0);
    let counter = 0;
    for (const step of ops) {
      if (step.type === 'edit') {
        const note = `${c.sites[step.site]!.name}-${counter++}`;
        await c.sites[step.site]!.db.collection('stock').updateOne(
          { _id: DOCS[step.doc] as never },
          { $set: { note } },
        );
        lastWritten.set(`${step.site}:${step.doc}`, note);
      } else if (step.type === 'sell') {
        await c.sites[step.site]!.db.collection('stock').updateOne(
          { _id: DOCS[step.doc] as never },
          { $inc: { qty: -step.units } },
        );
        sold[step.doc]! += step.units;
      } else if (step.type === 'head-office') {
        await c.headOffice.update(c.dbName, 'stock', DOCS[step.doc]!, (d) => ({
          ...d,
          price: counter++,
        }));
      } else if (step.type === 'partition') {
        c.sites[step.site]!.proxy.cut();
      } else if (step.type === 'heal') {
        c.sites[step.site]!.proxy.restore();
      } else {
        await c.restart(c.sites[step.site]!);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    for (const s of c.sites) s.proxy.restore();
    await waitFor('convergence', () => converged(c, ['stock']), 120_000).catch(
      async (error: unknown) => {
        // Say what did not converge: each replica's documents and what waits in each outbox.
        const state = {
          central: await c.centralDb.collection('stock').find().toArray(),
          sites: [] as unknown[],
        };
        for (const s of c.sites) {
          state.sites.push({
            site: s.name,
            docs: await s.db.collection('stock').find().toArray(),
            outbox: await s.metaDb.collection('outbox').find().toArray(),
            meta: await s.metaDb.collection('meta').find().toArray(),
            status: (await s.engine.status()).state,
            conflicts: await s.metaDb.collection('conflicts').find().toArray(),
            log: await s.metaDb
              .collection('log')
              .find({ event: { $regex: '^(conflict|push|pull)' } })
              .toArray(),
          });
        }
        throw new Error(`${String(error)}\n${JSON.stringify(state, null, 1)}`);
      },
    );

    for (const [i, id] of DOCS.entries()) {
      const final = await c.centralDb.collection('stock').findOne({ _id: id as never });
      expect(final?.['qty'], `${id}: counters lose nothing`).toBe(START_QTY - sold[i]!);
    }
    const inConflicts = new Set<string>();
    for (const s of c.sites) {
      for (const record of await s.engine.conflicts!.list({ state: 'all', limit: 500 })) {
        for (const side of [record.site.doc, record.central.doc])
          if (typeof side?.['note'] === 'string') inConflicts.add(side['note']);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the central watcher drain
    await stream.close();
    // A value the same site overwrote before it was pushed is coalesced in the outbox by design;
    // the last value each site wrote to each document was overwritten, if at all, by someone else.
    const swallowed = [...lastWritten.values()].filter(
      (note) => !atCentral.has(note) && !inConflicts.has(note),
    );
    expect(swallowed, 'values overwritten without reaching central or the conflict store').toEqual(
      [],
    );
  } finally {
    await cluster?.stop();
  }
}

describe('conflict convergence property', () => {
  it(`holds for random concurrent edits, partitions and restarts (${RUNS} runs, seed ${SEED})`, async () => {
    const replay = process.env['OUTPOST_PROPERTY_REPLAY'];
    if (replay) return runScenario(JSON.parse(replay) as Op[]);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), (ops) => runScenario(ops)),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 600_000);
});
