/**
 * A backup of the site's databases, written by the running instance through the driver, in the
 * layout `mongodump` writes (`<db>/<coll>.bson` and `<coll>.metadata.json`, `.gz` with gzip),
 * which `outpost restore` and `mongorestore` read (tested with the 4.0.28 tools).
 * No mongodump ships with the bundled mongod, and a site's local-only collections and its changes
 * not yet sent exist nowhere else.
 *
 * Every collection's documents are read in one snapshot session: the backup is the databases as
 * they were at one moment, while the till goes on selling (the list of collections and their
 * indexes, which take no snapshot, are read as the backup goes). A read that outlives the
 * server's snapshot window (5 minutes by default) starts again without a snapshot, and the
 * manifest says so. The backup is written to `<dir>.partial`, removed if the backup fails, and
 * renamed when complete, with `outpost-backup.json` (what it holds, and a sha256 of every file)
 * last: a directory without it is not a backup.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  BSON,
  MongoServerError,
  type ClientSession,
  type CollectionInfo,
  type Document,
  type MongoClient,
} from 'mongodb';
import { ErrorCode, OutpostError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type {
  BackedUpCollection,
  BackupManifest,
  BackupReason,
  BackupReport,
} from '../api/views.js';

export const MANIFEST_FILE = 'outpost-backup.json';
/** Databases that belong to mongod itself, never backed up or restored. */
export const SYSTEM_DATABASES = ['admin', 'config', 'local'] as const;
const SNAPSHOT_TOO_OLD = 239;

export interface BackupOptions {
  /** A client of the site's mongod that may read every database. */
  client: MongoClient;
  /** Must not exist yet. */
  dir: string;
  /** Databases to back up; default every database but mongod's own and `skip`. */
  databases?: readonly string[] | undefined;
  /** Never backed up: Outpost's metadata database, which a restore must not bring back. */
  skip: readonly string[];
  gzip?: boolean | undefined;
  logger: Logger;
}

export async function backupDatabases(
  options: BackupOptions & {
    instanceId?: string;
    outpostVersion?: string;
    reason?: BackupReason | undefined;
  },
): Promise<BackupReport> {
  const log = options.logger.child({ component: 'backup' });
  const dir = path.resolve(options.dir);
  if (existsSync(dir))
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `${dir} already exists: a backup goes into a new directory. Name another, or move that one away.`,
      { details: { dir } },
    );
  const names = await databasesToBackUp(options);
  const started = Date.now();
  const partial = `${dir}.partial`;
  let consistent = true;
  let manifest: BackupManifest | undefined;
  for (const snapshot of [true, false]) {
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    const session = options.client.startSession(snapshot ? { snapshot: true } : {});
    try {
      manifest = await writeAll(options, names, partial, session);
      break;
    } catch (error) {
      if (!(snapshot && error instanceof MongoServerError && error.code === SNAPSHOT_TOO_OLD)) {
        await rm(partial, { recursive: true, force: true });
        throw error;
      }
      log.warn(
        { event: 'backup.snapshot-too-old' },
        'The backup took longer than the server keeps a snapshot; starting again without one.',
      );
      consistent = false;
    } finally {
      await session.endSession();
    }
  }
  if (!manifest) throw new Error('unreachable: the second pass has no snapshot to lose');
  const written: BackupManifest = {
    ...manifest,
    consistent,
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
    ...(options.outpostVersion ? { outpostVersion: options.outpostVersion } : {}),
    ...(options.reason ? { reason: options.reason } : {}),
  };
  await writeFile(path.join(partial, MANIFEST_FILE), `${JSON.stringify(written, null, 2)}\n`);
  await rename(partial, dir);
  const collections = written.databases.flatMap((db) => db.collections);
  const report: BackupReport = {
    ...written,
    dir,
    documents: collections.reduce((sum, c) => sum + c.documents, 0),
    bytes: collections.reduce((sum, c) => sum + c.bytes, 0),
    durationMs: Date.now() - started,
  };
  log.info({
    event: 'backup.completed',
    dir,
    databases: names,
    documents: report.documents,
    bytes: report.bytes,
    consistent,
    durationMs: report.durationMs,
  });
  return report;
}

async function databasesToBackUp(options: BackupOptions): Promise<string[]> {
  const excluded = new Set<string>([...SYSTEM_DATABASES, ...options.skip]);
  const listed = await options.client.db('admin').admin().listDatabases({ nameOnly: true });
  const present = listed.databases.map((db) => db.name);
  if (!options.databases || options.databases.length === 0)
    return present.filter((name) => !excluded.has(name)).sort();
  for (const name of options.databases) {
    if (excluded.has(name))
      throw new OutpostError(
        ErrorCode.InvalidArgs,
        `${name} is ${options.skip.includes(name) ? "Outpost's own metadata" : "mongod's own"} database and is not backed up.`,
        { details: { db: name } },
      );
    if (!present.includes(name))
      throw new OutpostError(
        ErrorCode.NotFound,
        `The local MongoDB has no database ${name} (it has ${present.filter((n) => !excluded.has(n)).join(', ') || 'none but its own'}).`,
        { details: { db: name } },
      );
  }
  return [...options.databases];
}

async function writeAll(
  options: BackupOptions,
  names: string[],
  root: string,
  session: ClientSession,
): Promise<BackupManifest> {
  const gzip = options.gzip ?? false;
  const databases: BackupManifest['databases'] = [];
  // The snapshot is taken at the first read, just after this.
  const at = new Date().toISOString();
  for (const name of names) {
    const db = options.client.db(name);
    // Catalog reads take no snapshot read concern: only the documents come from the snapshot.
    const infos = (await db.listCollections().toArray()) as (CollectionInfo & { type?: string })[];
    await mkdir(path.join(root, name), { recursive: true });
    const collections: BackedUpCollection[] = [];
    for (const info of infos.sort((a, b) => a.name.localeCompare(b.name))) {
      if (info.name.startsWith('system.')) continue;
      const type = info.type;
      if (type !== 'collection' && type !== 'view') {
        options.logger.warn(
          { event: 'backup.collection-skipped', db: name, coll: info.name, type: info.type },
          `${name}.${info.name} is a ${info.type ?? 'collection of an unknown type'}, which the backup does not copy.`,
        );
        continue;
      }
      collections.push(
        await writeCollection(options, name, { ...info, type }, root, gzip, session),
      );
    }
    databases.push({ name, collections });
  }
  return {
    format: 'outpost-backup/1',
    at,
    consistent: true,
    gzip,
    databases,
  };
}

async function writeCollection(
  options: BackupOptions,
  dbName: string,
  info: CollectionInfo & { type: 'collection' | 'view' },
  root: string,
  gzip: boolean,
  session: ClientSession,
): Promise<BackedUpCollection> {
  const suffix = gzip ? '.gz' : '';
  // Manifest paths use "/" whatever the OS, so a backup made on Windows restores on Linux.
  const base = path.posix.join(dbName, fileNameOf(info.name));
  const files: BackedUpCollection['files'] = [];
  let documents = 0;
  let bytes = 0;
  const collection = options.client.db(dbName).collection(info.name);
  if (info.type === 'collection') {
    const cursor = collection.find({}, { session, raw: true, batchSize: 1000 });
    const counted = async function* () {
      for await (const raw of cursor as AsyncIterable<unknown>) {
        documents += 1;
        yield raw as Buffer;
      }
    };
    const file = `${base}.bson${suffix}`;
    const { sha256, size } = await writeStream(counted(), path.join(root, file), gzip);
    bytes = size;
    files.push({ path: file, sha256 });
  }
  const indexes = info.type === 'collection' ? await collection.listIndexes().toArray() : [];
  const metadata: Document = {
    indexes,
    uuid: info.info?.uuid ? Buffer.from(info.info.uuid.buffer).toString('hex') : '',
    collectionName: info.name,
    type: info.type,
    options: info.options ?? {},
  };
  const metaFile = `${base}.metadata.json${suffix}`;
  const written = await writeStream(
    [Buffer.from(BSON.EJSON.stringify(metadata, { relaxed: false }))],
    path.join(root, metaFile),
    gzip,
  );
  files.push({ path: metaFile, sha256: written.sha256 });
  return { name: info.name, type: info.type, documents, bytes, files };
}

/**
 * A collection's name as a file name, escaped as mongodump escapes it (Go's url.PathEscape): `%XX`
 * for each byte of UTF-8 but letters, digits and `-_.~$&+=@`. Also `:`, which mongodump keeps and
 * Windows refuses in a file name, and the first letter of a name Windows keeps for a device (`con`,
 * `nul`, `com1`...). mongorestore and `outpost restore` turn it back into the name.
 *
 * A name longer than MAX_NAME escaped is cut as mongodump (100.x) cuts it, so that the longest
 * file (`.metadata.json.gz`) stays within 255 bytes: its first CUT_TO bytes, `%24` and the
 * base64url sha1 of the whole name. The name is then read from the metadata's `collectionName`.
 */
export function fileNameOf(collection: string): string {
  let name = '';
  for (const byte of Buffer.from(collection, 'utf8')) {
    const c = String.fromCharCode(byte);
    name += /[A-Za-z0-9\-_.~$&+=@]/.test(c) ? c : escapeByte(byte);
  }
  if (WINDOWS_DEVICE.test(name)) name = escapeByte(name.charCodeAt(0)) + name.slice(1);
  if (name.length > MAX_NAME)
    name = `${name.slice(0, CUT_TO)}%24${createHash('sha1').update(collection, 'utf8').digest('base64url')}`;
  return name;
}

const MAX_NAME = 238;
const CUT_TO = 208;
/** Windows opens a device for these names, whatever follows the first dot. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

function escapeByte(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The collection a file name written by `fileNameOf` (or mongodump) stands for. */
export function collectionOf(fileName: string): string {
  try {
    return decodeURIComponent(fileName);
  } catch {
    // A name with a "%" that escapes nothing, as mongodump before 100.x wrote it.
    return fileName;
  }
}

/** Writes chunks to `file` (through gzip if asked) and returns the sha256 and size of the file. */
async function writeStream(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  file: string,
  gzip: boolean,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = hashing(hash, (n) => (size += n));
  const source = chunks as AsyncIterable<Buffer> | Readable;
  if (gzip) await pipeline(source, createGzip(), tap, createWriteStream(file));
  else await pipeline(source, tap, createWriteStream(file));
  return { sha256: hash.digest('hex'), size };
}

function hashing(hash: Hash, count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      count(chunk.length);
      callback(null, chunk);
    },
  });
}
