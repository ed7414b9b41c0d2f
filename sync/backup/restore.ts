/**
 * Loads a backup into the site's mongod: one made by `outpost backup`, or a `mongodump` directory
 * (a site moving onto Outpost brings its data this way; no mongorestore ships with Outpost).
 *
 * Restore fills collections that are empty or missing, and refuses before writing anything when
 * one of them holds documents: it never mixes a backup into live data, and never drops any. A
 * backup can go into a database of another name (`as`) to be looked at beside the live one. An
 * Outpost backup's checksums are checked first, all of them, so a damaged file stops the restore
 * before it starts. Documents are copied as stored (numbers keep their BSON types), then the
 * indexes are made, then the views.
 *
 * Into a database that syncs, restored documents are local writes like the till's: capture
 * queues them and push sends them, with the collection's conflict strategy against central's.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { BSON, type Document, type MongoClient } from 'mongodb';
import { ErrorCode, OutpostError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { BackupManifest, RestoredCollection, RestoreReport } from '../api/views.js';
import { MANIFEST_FILE, SYSTEM_DATABASES, collectionOf } from './backup.js';

export interface RestoreOptions {
  client: MongoClient;
  dir: string;
  /** Databases of the backup to restore; default all of them. */
  databases?: readonly string[] | undefined;
  /** Restore the one database named (or the backup's only one) under this name instead. */
  as?: string | undefined;
  /** Never restored into: Outpost's metadata database. */
  skip: readonly string[];
  logger: Logger;
}

interface PlannedCollection {
  name: string;
  type: 'collection' | 'view';
  data: string | undefined;
  metadata: string | undefined;
  gzip: boolean;
}

interface PlannedDatabase {
  from: string;
  to: string;
  collections: PlannedCollection[];
}

/** Bytes per insert batch (the server takes 48 MB a message; this keeps memory low). */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_DOCUMENTS = 1000;

export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const log = options.logger.child({ component: 'backup' });
  const started = Date.now();
  const dir = path.resolve(options.dir);
  if (!existsSync(dir) || !(await stat(dir)).isDirectory())
    throw new OutpostError(
      ErrorCode.NotFound,
      `${dir} is not a directory. Give the directory a backup was written to (it holds ${MANIFEST_FILE}, or the folders mongodump writes).`,
      { details: { dir } },
    );
  const manifest = await readManifest(dir);
  if (manifest) await checkFiles(dir, manifest);
  const plan = await planRestore(dir, manifest, options);
  await refuseNonEmpty(options.client, plan);

  const databases: RestoreReport['databases'] = [];
  for (const db of plan) {
    const collections: RestoredCollection[] = [];
    const ordered = [
      ...db.collections.filter((c) => c.type === 'collection'),
      ...db.collections.filter((c) => c.type === 'view'),
    ];
    for (const planned of ordered) {
      collections.push(await restoreCollection(options.client, db.to, dir, planned));
    }
    databases.push({ name: db.to, from: db.from, collections });
  }
  const report: RestoreReport = {
    dir,
    verified: manifest !== undefined,
    at: manifest?.at ?? null,
    databases,
    documents: databases
      .flatMap((db) => db.collections)
      .reduce((sum, coll) => sum + coll.documents, 0),
    durationMs: Date.now() - started,
  };
  log.info({
    event: 'backup.restored',
    dir,
    databases: databases.map((db) => db.name),
    documents: report.documents,
    verified: report.verified,
    durationMs: report.durationMs,
  });
  return report;
}

async function readManifest(dir: string): Promise<BackupManifest | undefined> {
  const file = path.join(dir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const manifest = JSON.parse(await readFile(file, 'utf8')) as BackupManifest;
    if (manifest.format !== 'outpost-backup/1' || !Array.isArray(manifest.databases))
      throw new Error(`unknown format ${String(manifest.format)}`);
    return manifest;
  } catch (cause) {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `${file} is not an Outpost backup manifest (${cause instanceof Error ? cause.message : String(cause)}). Nothing was restored.`,
      { cause, details: { file } },
    );
  }
}

/** Every file the manifest lists is there with its checksum, before anything is written. */
async function checkFiles(dir: string, manifest: BackupManifest): Promise<void> {
  for (const db of manifest.databases)
    for (const coll of db.collections)
      for (const file of coll.files) {
        const full = path.join(dir, file.path);
        const sha256 = existsSync(full) ? await fileSha256(full) : undefined;
        if (sha256 !== file.sha256)
          throw new OutpostError(
            ErrorCode.InvalidArgs,
            sha256 === undefined
              ? `The backup in ${dir} is missing ${file.path}. Nothing was restored.`
              : `${file.path} in the backup in ${dir} is not the file the backup wrote (its checksum differs): it was changed or damaged. Nothing was restored.`,
            { details: { dir, file: file.path } },
          );
      }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function planRestore(
  dir: string,
  manifest: BackupManifest | undefined,
  options: RestoreOptions,
): Promise<PlannedDatabase[]> {
  const found = manifest
    ? manifest.databases.map((db) => ({
        name: db.name,
        collections: db.collections.map((coll) => planned(coll.name, coll.type, coll.files)),
      }))
    : await scanDump(dir);
  if (found.length === 0)
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `${dir} holds no backup: no ${MANIFEST_FILE}, and no <database>/<collection>.bson files as mongodump writes them.`,
      { details: { dir } },
    );
  const names = found.map((db) => db.name);
  const wanted = options.databases && options.databases.length > 0 ? options.databases : names;
  for (const name of wanted)
    if (!names.includes(name))
      throw new OutpostError(
        ErrorCode.NotFound,
        `The backup in ${dir} has no database ${name} (it has ${names.join(', ')}).`,
        { details: { dir, db: name } },
      );
  if (options.as !== undefined && wanted.length !== 1)
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `--as restores one database under another name, and the backup has ${wanted.length}: name the one with --db.`,
      { details: { dir } },
    );
  return found
    .filter((db) => wanted.includes(db.name))
    .map((db) => {
      const to = options.as ?? db.name;
      if ((SYSTEM_DATABASES as readonly string[]).includes(to) || options.skip.includes(to))
        throw new OutpostError(
          ErrorCode.InvalidArgs,
          `Nothing is restored into ${to}, ${options.skip.includes(to) ? "Outpost's own metadata" : "mongod's own"} database.${to === db.name ? ' Give another name with --as to look at it.' : ''}`,
          { details: { db: to } },
        );
      return { from: db.name, to, collections: db.collections };
    });
}

function planned(
  name: string,
  type: 'collection' | 'view',
  files: { path: string }[],
): PlannedCollection {
  const data = files.find((f) => /\.bson(\.gz)?$/.test(f.path))?.path;
  const metadata = files.find((f) => /\.metadata\.json(\.gz)?$/.test(f.path))?.path;
  return { name, type, data, metadata, gzip: (data ?? metadata ?? '').endsWith('.gz') };
}

/** A mongodump directory: `<db>/<coll>.bson[.gz]` and `<coll>.metadata.json[.gz]`. */
async function scanDump(
  dir: string,
): Promise<{ name: string; collections: PlannedCollection[] }[]> {
  const databases: { name: string; collections: PlannedCollection[] }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || (SYSTEM_DATABASES as readonly string[]).includes(entry.name))
      continue;
    const files = await readdir(path.join(dir, entry.name));
    const byName = new Map<string, string[]>();
    for (const file of files) {
      const match = /^(.+?)\.(bson|metadata\.json)(\.gz)?$/.exec(file);
      if (!match) continue;
      const name = collectionOf(match[1]!);
      if (name.startsWith('system.')) continue;
      byName.set(name, [...(byName.get(name) ?? []), path.posix.join(entry.name, file)]);
    }
    const collections: PlannedCollection[] = [];
    for (const [name, paths] of byName) {
      const files = planned(
        name,
        paths.some((p) => /\.bson(\.gz)?$/.test(p)) ? 'collection' : 'view',
        paths.map((p) => ({ path: p })),
      );
      collections.push({ ...files, name: (await nameInMetadata(dir, files)) ?? name });
    }
    if (collections.length > 0)
      databases.push({
        name: entry.name,
        collections: collections.sort((a, b) => a.name.localeCompare(b.name)),
      });
  }
  return databases.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The collection's name as its metadata gives it (mongodump 100.x and Outpost write
 * `collectionName`): the only way to a name cut short in its file name (see `fileNameOf`).
 */
async function nameInMetadata(dir: string, files: PlannedCollection): Promise<string | undefined> {
  if (!files.metadata) return undefined;
  try {
    const metadata = JSON.parse(
      (await readWhole(path.join(dir, files.metadata), files.gzip)).toString('utf8'),
    ) as { collectionName?: unknown };
    return typeof metadata.collectionName === 'string' && metadata.collectionName !== ''
      ? metadata.collectionName
      : undefined;
  } catch {
    // Unreadable here: restoring the collection reads it again and says what is wrong.
    return undefined;
  }
}

/** Every target collection empty or missing, checked before the first write. */
async function refuseNonEmpty(client: MongoClient, plan: PlannedDatabase[]): Promise<void> {
  const taken: string[] = [];
  for (const db of plan) {
    const existing = await client.db(db.to).listCollections({}, { nameOnly: true }).toArray();
    for (const coll of db.collections) {
      const there = existing.find((e) => e.name === coll.name);
      if (!there) continue;
      if (coll.type === 'view' || (there as { type?: string }).type === 'view') {
        taken.push(`${db.to}.${coll.name} (exists)`);
        continue;
      }
      const count = await client.db(db.to).collection(coll.name).estimatedDocumentCount();
      if (count > 0) taken.push(`${db.to}.${coll.name} (${count} documents)`);
    }
  }
  if (taken.length > 0)
    throw new OutpostError(
      ErrorCode.InvalidState,
      `Restore fills empty collections only, and ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} not empty. Nothing was restored. Restore into another database with --as <name> to compare, or empty ${taken.length === 1 ? 'it' : 'them'} first.`,
      { details: { collections: taken } },
    );
}

async function restoreCollection(
  client: MongoClient,
  dbName: string,
  dir: string,
  planned: PlannedCollection,
): Promise<RestoredCollection> {
  const metadata = planned.metadata
    ? (BSON.EJSON.parse(
        (await readWhole(path.join(dir, planned.metadata), planned.gzip)).toString('utf8'),
        { relaxed: false },
      ) as Document)
    : {};
  const db = client.db(dbName);
  const options = (metadata['options'] ?? {}) as Document;
  const exists =
    (await db.listCollections({ name: planned.name }, { nameOnly: true }).toArray()).length > 0;
  if (planned.type === 'view') {
    await db.createCollection(planned.name, options);
    return { name: planned.name, type: 'view', documents: 0, indexes: 0 };
  }
  if (!exists) await db.createCollection(planned.name, options);
  const collection = db.collection(planned.name);
  let documents = 0;
  if (planned.data) {
    let batch: Document[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await collection.insertMany(batch, { ordered: true, checkKeys: false });
      documents += batch.length;
      batch = [];
      batchBytes = 0;
    };
    for await (const raw of bsonDocuments(path.join(dir, planned.data), planned.gzip)) {
      // As stored: Int32, Double, Long and regular expressions keep their BSON types.
      batch.push(BSON.deserialize(raw, { promoteValues: false, bsonRegExp: true }));
      batchBytes += raw.length;
      if (batch.length >= BATCH_DOCUMENTS || batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
  }
  const indexes = ((metadata['indexes'] ?? []) as Document[]).filter(
    (index) => index['name'] !== '_id_',
  );
  if (indexes.length > 0)
    await db.command({
      createIndexes: planned.name,
      indexes: indexes.map((index) => {
        const { v: _version, ns: _namespace, ...spec } = index;
        return spec;
      }),
    });
  return { name: planned.name, type: 'collection', documents, indexes: indexes.length };
}

/** A backup file's bytes, uncompressed. */
function openFile(file: string, gzip: boolean): NodeJS.ReadableStream {
  return gzip ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
}

async function readWhole(file: string, gzip: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = openFile(file, gzip);
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The documents of a .bson file: each is its int32 length (little-endian) and that many bytes. */
export async function* bsonDocuments(file: string, gzip: boolean): AsyncGenerator<Buffer> {
  const stream = openFile(file, gzip);
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of stream) {
    pending =
      pending.length === offset
        ? (chunk as Buffer)
        : Buffer.concat([pending.subarray(offset), chunk as Buffer]);
    offset = 0;
    while (pending.length - offset >= 4) {
      const size = pending.readInt32LE(offset);
      if (size < 5)
        throw new OutpostError(
          ErrorCode.InvalidArgs,
          `${file} is damaged: a document claims ${size} bytes. Nothing more was read from it.`,
          { details: { file } },
        );
      if (pending.length - offset < size) break;
      yield pending.subarray(offset, offset + size);
      offset += size;
    }
  }
  if (pending.length - offset > 0)
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `${file} ends in the middle of a document (${pending.length - offset} bytes left over): it was cut short.`,
      { details: { file } },
    );
}
