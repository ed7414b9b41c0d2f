/**
 * A backup of a site's databases made by Outpost before they first sync. The first sync changes
 * documents a site already holds: central's copies come in, and a collection set to central-wins
 * for the move replaces the site's own (see "Moving a site onto Outpost" in the README). With
 * this backup, what the site held before can always be looked at again (`outpost restore <dir>
 * --as <name>`), which the seeds' migration guides asked the operator to do by hand.
 *
 * A database "first syncs" when Outpost's metadata has no capture and no pull checkpoint for it:
 * at the first start of a site, and when central or a database is added to the settings later. A
 * database with no documents needs no backup. A failed backup does not keep the site from
 * syncing: it is logged and recorded in Activity, and sync starts.
 */
import type { MongoClient } from 'mongodb';
import type { BackupReason, BackupReport } from '../api/views.js';
import { toOutpostError } from '../errors.js';
import { openLocalStore } from '../engine/store.js';
import type { Logger } from '../logging/logger.js';
import type { BackupService } from './service.js';

export interface FirstSyncBackupOptions {
  local: MongoClient;
  /** Outpost's metadata database, where the checkpoints and the sync log are. */
  metaDatabase: string;
  service: BackupService;
  logger: Logger;
}

/**
 * Backs up those of `databases` that have never synced and hold documents, gzipped, into
 * `<dataDir>/backups/<time>-before-first-sync`. Returns the report, or undefined when none
 * needed one or the backup failed. Never throws.
 */
export async function backupBeforeFirstSync(
  options: FirstSyncBackupOptions,
  databases: readonly string[],
): Promise<BackupReport | undefined> {
  let wanted: string[];
  try {
    wanted = await neverSyncedWithDocuments(options, databases);
  } catch (error) {
    return failed(options, 'before-first-sync', databases, error);
  }
  if (wanted.length === 0) return undefined;
  return backupFor(options, 'before-first-sync', wanted);
}

/**
 * Backs up `db` before it syncs anew with another central than before (see central/identity.ts),
 * into `<dataDir>/backups/<time>-before-new-central`. Never throws.
 */
export async function backupBeforeNewCentral(
  options: FirstSyncBackupOptions,
  db: string,
): Promise<BackupReport | undefined> {
  return backupFor(options, 'before-new-central', [db]);
}

const WHEN: Record<BackupReason, (many: boolean) => string> = {
  'before-first-sync': (many) => `before ${many ? 'they first sync' : 'it first syncs'}`,
  'before-new-central': () => 'before it syncs with a new central',
};

const SAID: Record<BackupReason, string> = {
  'before-first-sync': 'before the first sync',
  'before-new-central': 'before syncing with a new central',
};

async function backupFor(
  options: FirstSyncBackupOptions,
  reason: BackupReason,
  wanted: string[],
): Promise<BackupReport | undefined> {
  const log = options.logger.child({ component: 'backup' });
  try {
    log.info(
      { event: `backup.${reason}-started`, databases: wanted },
      `Backing up ${wanted.join(', ')} ${WHEN[reason](wanted.length > 1)}.`,
    );
    // A backup or restore started by hand (or the schedule's) runs one at a time: wait for it.
    while (options.service.busy()) await new Promise((resolve) => setTimeout(resolve, 250));
    const report = await options.service.backup({ databases: wanted, gzip: true }, reason);
    await record(options, {
      level: 'info',
      event: `backup.${reason}`,
      dir: report.dir,
      databases: wanted,
      documents: report.documents,
    });
    return report;
  } catch (error) {
    return failed(options, reason, wanted, error);
  }
}

async function failed(
  options: FirstSyncBackupOptions,
  reason: BackupReason,
  databases: readonly string[],
  error: unknown,
): Promise<undefined> {
  const log = options.logger.child({ component: 'backup' });
  const message = `The backup of ${databases.join(', ') || 'the databases'} ${SAID[reason]} failed: ${toOutpostError(error).message} Syncing started without it.`;
  log.error({ event: `backup.${reason}-failed`, databases, error }, message);
  await record(options, {
    level: 'error',
    event: `backup.${reason}-failed`,
    databases,
    message,
  }).catch((recordError: unknown) =>
    log.warn({ event: 'backup.record-failed', error: recordError }),
  );
  return undefined;
}

async function neverSyncedWithDocuments(
  options: FirstSyncBackupOptions,
  databases: readonly string[],
): Promise<string[]> {
  const checkpoints = options.local.db(options.metaDatabase).collection('checkpoints');
  const wanted: string[] = [];
  for (const db of databases) {
    const synced = await checkpoints.countDocuments(
      { _id: { $in: [`capture:${db}`, `pull:${db}`] } as never },
      { limit: 1 },
    );
    if (synced === 0 && (await holdsDocuments(options.local, db))) wanted.push(db);
  }
  return wanted;
}

async function holdsDocuments(local: MongoClient, name: string): Promise<boolean> {
  const db = local.db(name);
  const collections = await db
    .listCollections({ type: 'collection' }, { nameOnly: true })
    .toArray();
  for (const { name: coll } of collections) {
    if (coll.startsWith('system.')) continue;
    if ((await db.collection(coll).estimatedDocumentCount()) > 0) return true;
  }
  return false;
}

/** Into the sync log that Activity and `outpost log` show (made if the engine has not yet). */
async function record(
  options: FirstSyncBackupOptions,
  entry: { level: 'info' | 'error'; event: string } & Record<string, unknown>,
): Promise<void> {
  const store = await openLocalStore(options.local, options.metaDatabase);
  await store.log.insertOne({ at: new Date(), ...entry });
}
