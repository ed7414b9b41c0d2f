/**
 * A backup of a site's databases made by Outpost before they first sync. The first sync changes
 * documents a site already holds: central's copies come in, and a collection set to central-wins
 * for the move replaces the site's own (see "Moving a site onto Outpost" in the README). With
 * this backup, what the site held before can always be looked at again (`outpost restore <dir>
 * --as <name>`), which the seeds' migration guides asked the operator to do by hand.
 *
 * A database "first syncs" when Outpost has recorded no central for it and holds no bookkeeping
 * of one (central/identity.ts): at a site's first contact with central, and when central or a
 * database is added to the settings later. The engine asks for the backup (its onFirstSync hook)
 * before pull or push change anything, while the API, the window and capture already run. A
 * database with no documents needs no backup. A failed backup does not keep the site from
 * syncing: it is logged and recorded in Activity, and sync starts.
 *
 * The same backup is made, by the engine's onNewCentral hook, before a database syncs anew with
 * another central than the one it synced with, for the same reason.
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
 * Backs up `db`, about to sync for the first time, if it holds documents, gzipped, into
 * `<dataDir>/backups/<time>-before-first-sync`. Returns the report, or undefined when it needed
 * none or the backup failed. Never throws.
 */
export async function backupBeforeFirstSync(
  options: FirstSyncBackupOptions,
  db: string,
): Promise<BackupReport | undefined> {
  let wanted: boolean;
  try {
    wanted = await holdsDocuments(options.local, db);
  } catch (error) {
    return failed(options, 'before-first-sync', [db], error);
  }
  return wanted ? backupFor(options, 'before-first-sync', [db]) : undefined;
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

const WHEN: Record<BackupReason, string> = {
  'before-first-sync': 'before it first syncs',
  'before-new-central': 'before it syncs with a new central',
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
      `Backing up ${wanted.join(', ')} ${WHEN[reason]}.`,
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
