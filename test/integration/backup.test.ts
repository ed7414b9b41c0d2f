/**
 * Backup and restore against a real mongod: every BSON type back as stored, indexes, collection
 * options and views, one snapshot for all collections while a till writes, refusals that write
 * nothing, checksums, gzip, a directory without a manifest (mongodump's layout), and the CLI
 * against a running instance, which leaves Outpost's metadata out (and `outpost log` shows); and
 * a round trip through MongoDB's own mongorestore and mongodump (4.0.28, see harness/mongo-tools).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BSON, MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backupDatabases } from '../../sync/backup/backup.js';
import { restoreBackup } from '../../sync/backup/restore.js';
import { BackupSchedule } from '../../sync/backup/schedule.js';
import { createBackupService } from '../../sync/backup/service.js';
import type { BackupReport, LogEntryView, RestoreReport } from '../../sync/api/contract.js';
import type { BackupManifest } from '../../sync/api/views.js';
import { silentLogger } from '../../sync/logging/logger.js';
import { OutpostError } from '../../sync/errors.js';
import { CENTRAL_OWN, uniqueDbName } from '../harness/db-names.js';
import { testDir } from '../harness/mongods.js';
import { legacyMongoForSuite, windowsPath } from '../harness/mongo-tools.js';
import { testInstance } from '../harness/instance.js';
import { runOutpost as outpost } from '../harness/run-outpost.js';
import { waitFor } from '../harness/sync-cluster.js';

let client: MongoClient;
const logger = silentLogger();
const dropped: string[] = [];

beforeAll(async () => {
  client = new MongoClient(inject('mongo').sites[2]!);
  await client.connect();
});

afterAll(async () => {
  for (const name of dropped) await client.db(name).dropDatabase();
  await client.close();
});

function database(prefix: string): string {
  const name = uniqueDbName(prefix);
  dropped.push(name);
  return name;
}

/** Each document as its stored bytes, by _id: equal only if every value kept its BSON type. */
async function storedBytes(db: string, coll: string): Promise<Map<string, string>> {
  const raw = (await client
    .db(db)
    .collection(coll)
    .find({}, { raw: true })
    .toArray()) as unknown as Buffer[];
  return new Map(
    raw.map((bytes) => [
      JSON.stringify(BSON.deserialize(bytes)['_id']),
      Buffer.from(bytes).toString('hex'),
    ]),
  );
}

async function indexesOf(db: string, coll: string): Promise<Document[]> {
  const indexes = (await client.db(db).collection(coll).listIndexes().toArray()) as Document[];
  return indexes
    .map(({ v: _v, ns: _ns, ...spec }) => spec)
    .sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
}

async function refusal(work: Promise<unknown>): Promise<OutpostError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutpostError);
  return error as OutpostError;
}

async function shop(db: string): Promise<void> {
  const pos = client.db(db);
  await pos.createCollection('products', {
    validator: { $jsonSchema: { required: ['sku'] } },
    validationAction: 'error',
  });
  await pos.collection('products').insertMany([
    {
      _id: 'p1' as never,
      sku: 'A-1',
      price: new BSON.Double(5),
      stock: new BSON.Int32(12),
      sold: BSON.Long.fromString('9007199254740993'),
      exact: BSON.Decimal128.fromString('1.10'),
      added: new Date('2026-01-02T03:04:05.678Z'),
      code: new BSON.BSONRegExp('^a-\\d+$', 'i'),
      photo: new BSON.Binary(Buffer.from([0, 1, 2, 255])),
      tags: ['x', { nested: [1, 2.5, null] }],
    },
    { _id: new BSON.ObjectId(), sku: 'B-2', price: 2.25 },
  ]);
  await pos.collection('products').createIndex({ sku: 1 }, { unique: true });
  await pos
    .collection('products')
    .createIndex(
      { price: -1, sku: 1 },
      { name: 'by-price', partialFilterExpression: { price: { $gt: 1 } } },
    );
  await pos.collection('sales').insertMany(
    Array.from({ length: 2_500 }, (_, i) => ({
      _id: i as never,
      total: i * 1.5,
      // Within the TTL index's ten years: older sales would be deleted by the mongod's TTL
      // monitor (a pass every 60 s) in the middle of a test.
      at: new Date(Date.UTC(2026, 0, 1) + i),
    })),
  );
  await pos.collection('sales').createIndex({ at: 1 }, { expireAfterSeconds: 86_400 * 3650 });
  await pos.createCollection('big-sales', {
    viewOn: 'sales',
    pipeline: [{ $match: { total: { $gt: 100 } } }],
  });
}

describe('backup and restore', () => {
  it('brings back every document as stored, with indexes, options and views', async () => {
    const db = database('backup-shop');
    await shop(db);
    const dir = path.join(await testDir('backup-shop'), 'backup');
    const report = await backupDatabases({ client, dir, databases: [db], skip: [], logger });
    expect(report.consistent).toBe(true);
    expect(report.documents).toBe(2_502);
    const colls = report.databases[0]!.collections;
    expect(colls.map((c) => [c.name, c.type, c.documents])).toEqual([
      ['big-sales', 'view', 0],
      ['products', 'collection', 2],
      ['sales', 'collection', 2_500],
    ]);
    // mongodump's layout.
    const metadata = BSON.EJSON.parse(
      await readFile(path.join(dir, db, 'products.metadata.json'), 'utf8'),
    ) as Document;
    expect(metadata['collectionName']).toBe('products');
    expect(metadata['options']).toMatchObject({ validationAction: 'error' });

    const copy = database('backup-copy');
    const restored = await restoreBackup({ client, dir, as: copy, skip: [], logger });
    expect(restored).toMatchObject({ verified: true, documents: 2_502 });
    for (const coll of ['products', 'sales'])
      expect(await storedBytes(copy, coll)).toEqual(await storedBytes(db, coll));
    for (const coll of ['products', 'sales'])
      expect(await indexesOf(copy, coll)).toEqual(await indexesOf(db, coll));
    const options = async (name: string, coll: string) =>
      (
        (await client.db(name).listCollections({ name: coll }).toArray())[0] as Document | undefined
      )?.['options'] as unknown;
    expect(await options(copy, 'products')).toEqual(await options(db, 'products'));
    expect(await options(copy, 'big-sales')).toEqual(await options(db, 'big-sales'));
    expect(await client.db(copy).collection('big-sales').countDocuments()).toBe(
      await client.db(db).collection('big-sales').countDocuments(),
    );
    // The validator came back too: a product without a sku is refused.
    await expect(
      client.db(copy).collection('products').insertOne({ price: 1 }),
    ).rejects.toMatchObject({ code: 121 });
  });

  it('reads every collection at one moment while the till writes', async () => {
    const db = database('backup-moment');
    const pos = client.db(db);
    await pos.collection('orders').insertOne({ _id: -1 as never });
    await pos.collection('lines').insertOne({ _id: -1 as never });
    // Each sale writes an order and its line in one transaction: any one moment has as many of
    // each, and a backup that read the two collections at different moments would not.
    let selling = true;
    let sold = 0;
    const till = (async () => {
      const session = client.startSession();
      try {
        while (selling) {
          await session.withTransaction(async () => {
            await pos
              .collection('orders')
              .insertOne({ _id: sold as never, pad: 'x'.repeat(500) }, { session });
            await pos
              .collection('lines')
              .insertOne({ _id: sold as never, pad: 'y'.repeat(500) }, { session });
          });
          sold += 1;
        }
      } finally {
        await session.endSession();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const root = await testDir('backup-moment');
    const reports: BackupReport[] = [];
    for (const n of [1, 2, 3])
      reports.push(
        await backupDatabases({
          client,
          dir: path.join(root, `b${n}`),
          databases: [db],
          skip: [],
          logger,
        }),
      );
    selling = false;
    await till;
    expect(sold).toBeGreaterThan(20);
    for (const report of reports) {
      const [lines, orders] = report.databases[0]!.collections;
      expect(orders!.documents).toBe(lines!.documents);
    }
    expect(reports.at(-1)!.databases[0]!.collections[0]!.documents).toBeGreaterThan(1);
  });

  it('refuses, writing nothing, a restore into collections that hold documents', async () => {
    const db = database('backup-refuse');
    await client
      .db(db)
      .collection('a')
      .insertOne({ _id: 1 as never });
    await client
      .db(db)
      .collection('b')
      .insertOne({ _id: 2 as never });
    const dir = path.join(await testDir('backup-refuse'), 'backup');
    await backupDatabases({ client, dir, databases: [db], skip: [], logger });
    // b is emptied, a is not: nothing is written to either.
    await client.db(db).collection('b').deleteMany({});
    const error = await refusal(restoreBackup({ client, dir, skip: [], logger }));
    expect(error.code).toBe('INVALID_STATE');
    expect(error.message).toContain(`${db}.a (1 documents)`);
    expect(error.message).toContain('Nothing was restored');
    expect(await client.db(db).collection('b').countDocuments()).toBe(0);
    // Into the metadata database, or mongod's own: never.
    expect(
      (await refusal(restoreBackup({ client, dir, as: 'outpost', skip: ['outpost'], logger })))
        .message,
    ).toContain("Outpost's own metadata");
    expect(
      (await refusal(restoreBackup({ client, dir, as: 'admin', skip: [], logger }))).message,
    ).toContain("mongod's own");
    // A backup into a directory that exists: refused, the directory untouched.
    expect(
      (await refusal(backupDatabases({ client, dir, databases: [db], skip: [], logger }))).message,
    ).toContain('already exists');
    // A database that is not there.
    expect(
      (
        await refusal(
          backupDatabases({ client, dir: `${dir}-2`, databases: ['no-such-db'], skip: [], logger }),
        )
      ).code,
    ).toBe('NOT_FOUND');
  });

  it('checks every checksum before writing, reads gzip, and takes a mongodump directory', async () => {
    const db = database('backup-files');
    await client
      .db(db)
      .collection('sales')
      .insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i as never, total: i })));
    await client
      .db(db)
      .collection('notes')
      .insertOne({ _id: 'n' as never, text: 'kept' });
    const root = await testDir('backup-files');
    const gz = path.join(root, 'gz');
    const report = await backupDatabases({
      client,
      dir: gz,
      databases: [db],
      skip: [],
      logger,
      gzip: true,
    });
    expect(report.databases[0]!.collections[1]!.files.map((f) => f.path)).toEqual([
      `${db}/sales.bson.gz`,
      `${db}/sales.metadata.json.gz`,
    ]);
    const fromGzip = database('backup-gz');
    expect(
      (await restoreBackup({ client, dir: gz, as: fromGzip, skip: [], logger })).documents,
    ).toBe(301);
    expect(await storedBytes(fromGzip, 'sales')).toEqual(await storedBytes(db, 'sales'));

    // One byte changed in one file: refused before anything is written.
    const plain = path.join(root, 'plain');
    await backupDatabases({ client, dir: plain, databases: [db], skip: [], logger });
    const salesFile = path.join(plain, db, 'sales.bson');
    const bytes = await readFile(salesFile);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    await writeFile(salesFile, bytes);
    const damaged = database('backup-damaged');
    const error = await refusal(
      restoreBackup({ client, dir: plain, as: damaged, skip: [], logger }),
    );
    expect(error.message).toContain(`${db}/sales.bson`);
    expect(error.message).toContain('checksum');
    expect((await client.db(damaged).listCollections().toArray()).length).toBe(0);

    // Without the manifest it is a directory as mongodump writes it: restored, unverified; a
    // file cut short is named.
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    await writeFile(salesFile, bytes);
    await rm(path.join(plain, 'outpost-backup.json'));
    const dumped = database('backup-dump');
    const restored = await restoreBackup({ client, dir: plain, as: dumped, skip: [], logger });
    expect(restored).toMatchObject({ verified: false, at: null, documents: 301 });
    expect(await storedBytes(dumped, 'notes')).toEqual(await storedBytes(db, 'notes'));
    await writeFile(salesFile, bytes.subarray(0, bytes.length - 7));
    const cut = await refusal(
      restoreBackup({ client, dir: plain, as: database('backup-cut'), skip: [], logger }),
    );
    expect(cut.message).toContain('cut short');
  });

  it('keeps collections whose names are not file names: too long, a Windows device, a slash', async () => {
    const db = database('backup-names');
    const names = ['مبيعات'.repeat(7), 'con', 'odd/name'];
    for (const [i, name] of names.entries())
      await client
        .db(db)
        .collection(name)
        .insertOne({ _id: i as never, total: i });
    const dir = path.join(await testDir('backup-names'), 'gz');
    await backupDatabases({ client, dir, databases: [db], skip: [], logger, gzip: true });
    const files = await readdir(path.join(dir, db));
    expect(files.every((file) => Buffer.byteLength(file) <= 255)).toBe(true);
    expect(files).toContain('%63on.bson.gz');
    // Restored from the manifest, then as a mongodump directory: a name cut short in its file
    // name is read from the metadata.
    const fromManifest = database('backup-names-manifest');
    await restoreBackup({ client, dir, as: fromManifest, skip: [], logger });
    await rm(path.join(dir, 'outpost-backup.json'));
    const fromDump = database('backup-names-dump');
    await restoreBackup({ client, dir, as: fromDump, skip: [], logger });
    for (const copy of [fromManifest, fromDump])
      for (const name of names)
        expect(await storedBytes(copy, name)).toEqual(await storedBytes(db, name));
  });

  it('makes backups by itself, keeps the newest, and reports a failure', async () => {
    const db = database('backup-schedule');
    await client
      .db(db)
      .collection('sales')
      .insertOne({ _id: 1 as never, total: 3 });
    const dataDir = await testDir('backup-schedule');
    // What a backup cut short by a crash left behind: removed with the old backups.
    await mkdir(path.join(dataDir, 'backups', '2026-01-01T00-00-00.000Z.partial'), {
      recursive: true,
    });
    const service = createBackupService({
      local: client,
      dataDir,
      metaDatabase: () => 'outpost',
      instanceId: 'op-test',
      outpostVersion: '0.0.0',
      logger,
    });
    const recorded: string[] = [];
    const schedule = new BackupSchedule({
      service,
      settings: () => ({ intervalMs: 400, keep: 2, gzip: true }),
      logger,
      record: (entry) => Promise.resolve(void recorded.push(entry.message)),
      checkEveryMs: 50,
      firstDelayMs: 0,
    });
    schedule.start();
    try {
      // Four made, one every 400 ms; two kept.
      const seen = new Set<string>();
      await waitFor('four scheduled backups', async () => {
        for (const backup of await service.list()) seen.add(backup.dir);
        return seen.size >= 4;
      });
      // Stopped, with the backup in progress (if any) finished and pruned after.
      await schedule.stop(60_000);
      expect((await service.list()).length).toBe(2);
      const names = await readdir(path.join(dataDir, 'backups'));
      expect(names.filter((name) => name.endsWith('.partial'))).toEqual([]);
      expect(names).toHaveLength(2);
      const health = schedule.health();
      expect(health.lastError).toBeNull();
      expect(Date.now() - Date.parse(health.lastAt!)).toBeLessThan(5_000);
      // Each is a complete, compressed backup.
      const [newest] = await service.list();
      const restored = database('backup-scheduled-copy');
      await restoreBackup({
        client,
        dir: newest!.dir,
        databases: [db],
        as: restored,
        skip: [],
        logger,
      });
      expect(await client.db(restored).collection('sales').countDocuments()).toBe(1);
    } finally {
      await schedule.stop();
    }

    // A backup that fails is recorded, shows in health, and is tried again later, not at once.
    const closed = new MongoClient(inject('mongo').sites[2]!);
    const failing = new BackupSchedule({
      service: createBackupService({
        local: closed,
        dataDir: await testDir('backup-schedule-failing'),
        metaDatabase: () => 'outpost',
        instanceId: 'op-test',
        outpostVersion: '0.0.0',
        logger,
      }),
      settings: () => ({ intervalMs: 100, keep: 2, gzip: false }),
      logger,
      record: (entry) => Promise.resolve(void recorded.push(entry.message)),
      checkEveryMs: 50,
      firstDelayMs: 0,
      retryMs: 60_000,
    });
    await closed.close();
    failing.start();
    try {
      await waitFor('the failure', () => failing.health().lastError !== null);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatch(/^The scheduled backup failed: .+ It is tried again in 1 min\.$/);
    } finally {
      await failing.stop();
    }
  });

  it('moves a dump onto a new site, then backs it up from the CLI without Outpost metadata', async () => {
    const posDb = uniqueDbName('backup-cli');
    // A new site, local-only until central is set.
    const setup = await testInstance('backup-cli', { databases: [{ name: posDb }] });
    const { dataDir } = setup;
    const copyDb = `${posDb}-copy`;
    const central = new MongoClient(inject('mongo').central);
    // The old system's database, dumped: mongodump's layout, no Outpost manifest.
    await client
      .db(posDb)
      .collection('sales')
      .insertMany([{ total: 1 }, { total: 2 }]);
    await client
      .db(posDb)
      .collection('settings')
      .insertOne({ _id: 'till' as never, open: true });
    const dump = path.join(dataDir, 'old-system-dump');
    await backupDatabases({ client, dir: dump, databases: [posDb], skip: [], logger });
    await rm(path.join(dump, 'outpost-backup.json'));
    await client.db(posDb).dropDatabase();
    const instance = await setup.start();
    try {
      const pos = new MongoClient(instance.localUri);
      const loaded = await outpost(['restore', dump, '-d', dataDir]);
      expect(loaded.code).toBe(0);
      expect(loaded.out).toContain('Restored 3 documents');
      expect(loaded.out).toContain('A mongodump directory');
      // Central saved: the restored documents are the site's, and reach central.
      const set = await outpost([
        'config',
        'set',
        'central.uri',
        inject('mongo').central,
        '-d',
        dataDir,
      ]);
      expect(set.code).toBe(0);
      await waitFor(
        'the restored sales at central',
        async () =>
          (await central.db(posDb).collection('sales').countDocuments()) === 2 &&
          (await central.db(posDb).collection('settings').countDocuments()) === 1,
      );
      // Before its first sync the site's data was backed up, by Outpost itself.
      const [before] = await firstSyncBackups(dataDir);
      expect(before).toMatchObject({ reason: 'before-first-sync', databases: [posDb] });
      expect(before!.documents).toBe(3);
      // Syncing: Outpost's metadata database is there, and is not backed up.
      const present = await pos.db('admin').admin().listDatabases({ nameOnly: true });
      expect(present.databases.map((d) => d.name)).toContain('outpost');
      const out = path.join(dataDir, 'before-upgrade');
      const backup = await outpost(['backup', '-d', dataDir, '--out', out, '--json']);
      expect(backup.code).toBe(0);
      const report = JSON.parse(backup.out) as BackupReport;
      expect(report.databases.map((db) => db.name)).toEqual([posDb]);
      expect(report.documents).toBe(3);
      const human = await outpost(['backup', '-d', dataDir]);
      expect(human.code).toBe(0);
      expect(human.out).toMatch(new RegExp(`^${posDb}\\.sales\\s+2\\s`, 'm'));
      expect(human.out).toContain(`to ${path.join(dataDir, 'backups')}`);
      // Listed, newest first: the one just made, and the one before the first sync.
      const list = await outpost(['backup', '--list', '-d', dataDir]);
      expect(list.code).toBe(0);
      const listed = list.out.split('\n');
      expect(listed[0]).toBe('2 backups, newest first:');
      expect(listed[3]).toContain('by hand or schedule');
      expect(listed[4]).toMatch(/before first sync\s+\S+-before-first-sync$/);
      const mixed = await outpost(['backup', '--list', '--gzip', '-d', dataDir]);
      expect(mixed.code).toBe(2);
      expect(mixed.err).toContain('--list lists the backups made');

      const restored = await outpost(['restore', out, '--as', copyDb, '-d', dataDir, '--json']);
      expect(restored.code).toBe(0);
      expect((JSON.parse(restored.out) as RestoreReport).documents).toBe(3);
      expect(await pos.db(copyDb).collection('sales').countDocuments()).toBe(2);
      const again = await outpost(['restore', out, '-d', dataDir]);
      expect(again.code).toBe(1);
      expect(again.err).toContain(`${posDb}.sales (2 documents)`);
      const log = (await instance.handlers.invoke('log:list', {
        event: 'operator.backup-created',
      })) as {
        entries: unknown[];
      };
      expect(log.entries).toHaveLength(2);
      // The same trail from the CLI, oldest first.
      const trail = await outpost([
        'log',
        '-d',
        dataDir,
        '--event',
        'operator.backup-created',
        '--since',
        '1h',
      ]);
      expect(trail.code).toBe(0);
      const rows = trail.out.split('\n').filter((line) => line.includes('operator.backup-created'));
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain(`dir=${out}`);
      expect(rows[0]).toContain('documents=3');
      const refused = await outpost(['log', '-d', dataDir, '--since', 'last week']);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('30m, 2h, 7d');
      await pos.close();
    } finally {
      await instance.stop();
      await rm(dataDir, { recursive: true, force: true });
      await central.db(posDb).dropDatabase();
      await central.close();
    }
  });
});

/** The backups Outpost made before a first sync in `<dataDir>/backups`. */
async function firstSyncBackups(
  dataDir: string,
): Promise<{ dir: string; reason?: string; databases: string[]; documents: number }[]> {
  const root = path.join(dataDir, 'backups');
  const found = [];
  for (const name of (await readdir(root)).filter((n) => n.endsWith('-before-first-sync'))) {
    const manifest = JSON.parse(
      await readFile(path.join(root, name, 'outpost-backup.json'), 'utf8'),
    ) as BackupManifest;
    found.push({
      dir: path.join(root, name),
      reason: manifest.reason,
      databases: manifest.databases.map((db) => db.name),
      documents: manifest.databases
        .flatMap((db) => db.collections)
        .reduce((sum, c) => sum + c.documents, 0),
    });
  }
  return found;
}

describe('the backup before a first sync', () => {
  const site = (name: string, posDb: string, collections: Document = {}) =>
    testInstance(name, {
      central: { uri: inject('mongo').central },
      databases: [{ name: posDb, collections }],
      backup: { intervalMs: 0 },
    });

  it('keeps what the site held, which central-wins then replaced, and makes it once', async () => {
    const posDb = uniqueDbName('first-sync');
    const central = new MongoClient(inject('mongo').central);
    await central
      .db(posDb)
      .collection('products')
      .insertOne({ _id: 'p' as never, price: 6 });
    const { dataDir, start } = await site('first-sync', posDb, {
      products: { strategy: 'central-wins' },
    });
    let instance = await start(async (pos) => {
      await pos
        .db(posDb)
        .collection('products')
        .insertMany([
          { _id: 'p' as never, price: 9 },
          { _id: 'q' as never, price: 8 },
        ]);
    });
    const pos = new MongoClient(instance.localUri);
    try {
      await waitFor(
        "central's price at the site, the site's product at central",
        async () =>
          (
            await pos
              .db(posDb)
              .collection('products')
              .findOne({ _id: 'p' as never })
          )?.['price'] === 6 &&
          (await central
            .db(posDb)
            .collection('products')
            .countDocuments({ _id: 'q' as never })) === 1,
      );
      const backups = await firstSyncBackups(dataDir);
      expect(backups).toHaveLength(1);
      expect(backups[0]).toMatchObject({ databases: [posDb], documents: 2 });
      // The site's own price, as it was before the first sync, can be looked at again.
      const copy = database('first-sync-copy');
      await restoreBackup({ client: pos, dir: backups[0]!.dir, as: copy, skip: [], logger });
      expect(await pos.db(copy).collection('products').find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'p', price: 9 },
        { _id: 'q', price: 8 },
      ]);
      const log = (await instance.handlers.invoke('log:list', {
        event: 'backup.before-first-sync',
      })) as { entries: LogEntryView[] };
      expect(log.entries).toMatchObject([
        { level: 'info', attributes: { dir: backups[0]!.dir, documents: 2, databases: [posDb] } },
      ]);

      // Synced once: a restart makes no other, and pruning never removes it.
      await pos.close();
      await instance.stop();
      instance = await start();
      expect(await firstSyncBackups(dataDir)).toHaveLength(1);
      // Listed for the app's Backup card, newest first, with why Outpost made it.
      const byHand = (await instance.handlers.invoke('backup:create', {})) as BackupReport;
      const listed = (await instance.handlers.invoke('backup:list', undefined)) as {
        backups: { dir: string; reason?: string }[];
      };
      expect(listed.backups).toMatchObject([
        { dir: byHand.dir, at: byHand.at },
        { dir: backups[0]!.dir, reason: 'before-first-sync' },
      ]);
      expect(listed.backups[0]!.reason).toBeUndefined();
      const reconnected = new MongoClient(instance.localUri);
      try {
        const service = createBackupService({
          local: reconnected,
          dataDir,
          metaDatabase: () => 'outpost',
          instanceId: 'test',
          outpostVersion: 'test',
          logger,
        });
        const plain = await service.backup({ databases: [posDb] });
        expect((await service.prune(0)).sort()).toEqual([byHand.dir, plain.dir].sort());
        expect(await firstSyncBackups(dataDir)).toHaveLength(1);
      } finally {
        await reconnected.close();
      }
    } finally {
      await pos.close();
      await instance.stop();
      await rm(dataDir, { recursive: true, force: true });
      await central.db(posDb).dropDatabase();
      await central.close();
    }
  });

  it('lets the site sync when that backup fails, and says why in Activity', async () => {
    const posDb = uniqueDbName('first-sync-failed');
    const central = new MongoClient(inject('mongo').central);
    const { dataDir, start } = await site('first-sync-failed', posDb);
    // Where the backups go is a file: no backup can be written.
    await writeFile(path.join(dataDir, 'backups'), 'not a directory');
    const instance = await start(async (pos) => {
      await pos
        .db(posDb)
        .collection('sales')
        .insertOne({ _id: 1 as never, total: 4 });
    });
    try {
      await waitFor(
        'the sale at central',
        async () => (await central.db(posDb).collection('sales').countDocuments()) === 1,
      );
      const log = (await instance.handlers.invoke('log:list', {
        event: 'backup.before-first-sync-failed',
      })) as { entries: LogEntryView[] };
      expect(log.entries).toHaveLength(1);
      expect(log.entries[0]).toMatchObject({ level: 'error', attributes: { databases: [posDb] } });
      expect(log.entries[0]!.attributes['message']).toMatch(
        new RegExp(
          `^The backup of ${posDb} before the first sync failed: .*backups.* Syncing started without it\\.$`,
        ),
      );
    } finally {
      await instance.stop();
      await rm(dataDir, { recursive: true, force: true });
      await central.db(posDb).dropDatabase();
      await central.close();
    }
  });
});

describe('the backup before syncing with a new central', () => {
  it('is made when the settings point the site at another central, which then gets everything', async () => {
    const posDb = uniqueDbName('new-central');
    const [first, next] = [inject('mongo').central, inject('mongo').sites[2]!];
    const centrals = [new MongoClient(first), new MongoClient(next)];
    for (const central of centrals)
      for (const coll of ['sales', ...CENTRAL_OWN]) await central.db(posDb).createCollection(coll);
    const { dataDir, start } = await testInstance('new-central', {
      central: { uri: first },
      databases: [{ name: posDb }],
      backup: { intervalMs: 0 },
    });
    const instance = await start();
    const pos = new MongoClient(instance.localUri);
    const atCentral = (i: number) => centrals[i]!.db(posDb).collection('sales').countDocuments();
    try {
      await pos
        .db(posDb)
        .collection('sales')
        .insertMany([
          { _id: 1 as never, total: 4 },
          { _id: 2 as never, total: 5 },
        ]);
      await waitFor('the sales at the first central', async () => (await atCentral(0)) === 2);
      await instance.handlers.invoke('config:update', { patch: { central: { uri: next } } });
      await waitFor('the sales at the new central', async () => (await atCentral(1)) === 2);
      const root = path.join(dataDir, 'backups');
      const made = (await readdir(root)).filter((n) => n.endsWith('-before-new-central'));
      expect(made).toHaveLength(1);
      const manifest = JSON.parse(
        await readFile(path.join(root, made[0]!, 'outpost-backup.json'), 'utf8'),
      ) as BackupManifest;
      expect(manifest.reason).toBe('before-new-central');
      expect(manifest.databases.map((db) => db.name)).toEqual([posDb]);
      const log = (await instance.handlers.invoke('log:list', {})) as { entries: LogEntryView[] };
      const events = log.entries.map((entry) => entry.event);
      expect(events).toContain('backup.before-new-central');
      expect(events).toContain('central.changed');
      // Kept like the backup before a first sync: listed with its reason, never pruned.
      const listed = (await instance.handlers.invoke('backup:list', undefined)) as {
        backups: { dir: string; reason?: string }[];
      };
      expect(listed.backups).toMatchObject([
        { dir: path.join(root, made[0]!), reason: 'before-new-central' },
      ]);
    } finally {
      await pos.close();
      await instance.stop();
      await rm(dataDir, { recursive: true, force: true });
      for (const central of centrals) {
        await central.db(posDb).dropDatabase();
        await central.close();
      }
    }
  });
});

describe("MongoDB's mongodump and mongorestore", () => {
  const legacyMongo = legacyMongoForSuite();

  it('restore what Outpost backs up, and Outpost restores what they dump', async () => {
    const db = database('backup-tools');
    await shop(db);
    // Names that are not file names as they are, escaped as mongodump escapes them.
    await client
      .db(db)
      .collection('odd/name')
      .insertOne({ _id: 1 as never, total: 2 });
    await client
      .db(db)
      .collection('مبيعات')
      .insertOne({ _id: 1 as never, total: 3 });
    const collections = ['products', 'sales', 'odd/name', 'مبيعات'];
    const root = await testDir('backup-tools');
    for (const gzip of [false, true]) {
      // Outpost's backup -> mongorestore 4.0 -> a mongod 4.0 -> mongodump 4.0 -> outpost restore.
      const ours = path.join(root, `outpost-${gzip}`);
      await backupDatabases({ client, dir: ours, databases: [db], skip: [], logger, gzip });
      const z = gzip ? ['--gzip'] : [];
      await legacyMongo().tool('mongorestore', [...z, '--drop', windowsPath(ours)]);
      const theirs = path.join(root, `mongodump-${gzip}`);
      await legacyMongo().tool('mongodump', [...z, '--db', db, '--out', windowsPath(theirs)]);
      const suffix = gzip ? '.gz' : '';
      expect((await readdir(path.join(theirs, db))).sort()).toEqual(
        [
          'big-sales.metadata.json',
          'odd%2Fname.bson',
          'odd%2Fname.metadata.json',
          'products.bson',
          'products.metadata.json',
          'sales.bson',
          'sales.metadata.json',
          '%D9%85%D8%A8%D9%8A%D8%B9%D8%A7%D8%AA.bson',
          '%D9%85%D8%A8%D9%8A%D8%B9%D8%A7%D8%AA.metadata.json',
        ]
          .map((name) => `${name}${suffix}`)
          .sort(),
      );
      expect((await readdir(path.join(ours, db))).sort()).toEqual(
        (await readdir(path.join(theirs, db))).sort(),
      );

      const copy = database(`backup-tools-${gzip ? 'gz' : 'plain'}`);
      const restored = await restoreBackup({ client, dir: theirs, as: copy, skip: [], logger });
      expect(restored).toMatchObject({ verified: false, documents: 2_504 });
      for (const coll of collections) {
        expect(await storedBytes(copy, coll)).toEqual(await storedBytes(db, coll));
        expect(await indexesOf(copy, coll)).toEqual(await indexesOf(db, coll));
      }
      const options = async (name: string) =>
        Object.fromEntries(
          (await client.db(name).listCollections().toArray()).map((c) => [
            c.name,
            (c as Document)['options'] as unknown,
          ]),
        );
      expect(await options(copy)).toEqual(await options(db));
      expect(await client.db(copy).collection('big-sales').countDocuments()).toBe(
        await client.db(db).collection('big-sales').countDocuments(),
      );
    }
  });
});
