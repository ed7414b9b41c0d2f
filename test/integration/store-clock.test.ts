/**
 * The hybrid clock's persisted position: written after each capture batch commits (outside the
 * transaction), so after a crash the newest version waiting in the outbox counts as well.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openLocalStore } from '../../sync/engine/store.js';
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
