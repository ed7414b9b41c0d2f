/**
 * The hybrid clock's persisted position: written after each capture batch commits (outside the
 * transaction), so after a crash the newest version waiting in the outbox counts as well. It is
 * saved as a lease ahead of the clock, so most batches write nothing.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { HLC_LEASE_MS, openLocalStore } from '../../sync/engine/store.js';
import { uniqueDbName } from '../harness/db-names.js';

let client: MongoClient;
beforeAll(() => {
  client = new MongoClient(inject('mongo').sites[0]!);
});
afterAll(async () => {
  await client.close();
});

it('resumes the clock after both the persisted position and the newest queued version', async () => {
  const name = uniqueDbName('outpost_clock');
  const store = await openLocalStore(client, name);
  try {
    expect(await store.loadHlc()).toEqual({ l: 1, c: 0 });
    await store.checkpoints.updateOne({ _id: 'hlc' }, { $set: { l: 5_000 } }, { upsert: true });
    expect(await store.loadHlc()).toEqual({ l: 5_001, c: 0 });
    // A batch committed, then the process died before the position was written.
    const queued = 1_900_000_000_000;
    await store.outbox.insertOne({
      _id: { db: 'pos', coll: 'sales', id: 's1' },
      seq: 1,
      v: `${String(queued).padStart(13, '0')}-000004-site-a`,
      op: 'upsert',
      firstAt: new Date(),
      nextAt: new Date(0),
      attempts: 0,
    } as never);
    expect(await store.loadHlc()).toEqual({ l: queued + 1, c: 0 });
  } finally {
    await client.db(name).dropDatabase();
  }
});

it('saves the clock a lease ahead, writes again only once the clock passes it, and restarts above it', async () => {
  const name = uniqueDbName('outpost_clock');
  const store = await openLocalStore(client, name);
  const persisted = async () => (await store.checkpoints.findOne({ _id: 'hlc' }))?.l;
  try {
    const l = 1_900_000_000_000;
    await store.saveHlc(l);
    expect(await persisted()).toBe(l + HLC_LEASE_MS);
    // Within the lease: nothing is written (a write here would be visible as a new value).
    await store.checkpoints.updateOne({ _id: 'hlc' }, { $set: { marker: 1 } });
    await store.saveHlc(l + HLC_LEASE_MS - 1);
    expect(await store.checkpoints.findOne({ _id: 'hlc' })).toMatchObject({
      l: l + HLC_LEASE_MS,
      marker: 1,
    });
    // A restart now cannot issue a version at or below anything issued before it.
    expect((await store.loadHlc()).l).toBeGreaterThan(l + HLC_LEASE_MS - 1);
    // Past the lease: a new one.
    await store.saveHlc(l + HLC_LEASE_MS);
    expect(await persisted()).toBe(l + 2 * HLC_LEASE_MS);
    // A second handle on the same database (pull's apply has one) keeps its own lease and never
    // moves the saved position back.
    const other = await openLocalStore(client, name);
    await other.saveHlc(l);
    expect(await persisted()).toBe(l + 2 * HLC_LEASE_MS);
  } finally {
    await client.db(name).dropDatabase();
  }
});
