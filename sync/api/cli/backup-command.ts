/**
 * `outpost backup [--out <dir>] [--db <name>...] [--gzip]` and
 * `outpost restore <dir> [--db <name>...] [--as <name>]`, run by the instance on its own mongod.
 * Paths are resolved here, against the directory the command is run from.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type {
  BackupArgs,
  BackupListing,
  BackupReason,
  BackupReport,
  RestoreArgs,
  RestoreReport,
} from '../contract.js';
import { ErrorCode, OutpostError } from '../../errors.js';
import { connect, instanceCommand, printJson, resolveDataDir, runCommand } from './command-kit.js';
import type { InstanceFlags } from './command-kit.js';
import type { CliContext } from './context.js';
import { renderTable } from './format.js';
import { connectInstance } from './instance-client.js';
import { startSpinner } from './spinner.js';
import { formatBytes, formatDuration, plural } from '../../status/format.js';

interface BackupFlags extends InstanceFlags {
  out?: string;
  db?: string[];
  gzip?: boolean;
  list?: boolean;
}

interface RestoreFlags extends InstanceFlags {
  db?: string[];
  as?: string;
}

/** A backup of a large database takes a while: the one request may run this long. */
const BACKUP_TIMEOUT_MS = 6 * 60 * 60 * 1000;

const repeated = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerBackup(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('backup')
      .description(
        "back up the site's databases as they are at one moment (mongodump's layout; Outpost's metadata left out)",
      )
      .option('-o, --out <dir>', 'a new directory for it (default: <data dir>/backups/<time>)')
      .option('--db <name>', 'only this database (repeat for more)', repeated)
      .option('--gzip', 'compress each file (.gz), as mongodump --gzip does')
      .option('--list', 'list the backups in <data dir>/backups instead, newest first'),
  ).action((flags: BackupFlags) =>
    runCommand(context, flags, async () => {
      if (flags.list) {
        if (flags.out || flags.db || flags.gzip)
          throw new OutpostError(
            ErrorCode.InvalidArgs,
            '--list lists the backups made; it takes no --out, --db or --gzip. Run it alone.',
          );
        const { backups } = await (await connect(flags, context)).call('backup:list');
        if (flags.json) return printJson(context, { backups });
        for (const line of renderBackupList(backups)) context.out(line);
        return;
      }
      const args: BackupArgs = {
        ...(flags.out ? { dir: path.resolve(flags.out) } : {}),
        ...(flags.db ? { databases: flags.db } : {}),
        ...(flags.gzip ? { gzip: true } : {}),
      };
      const report = await callWithSpinner(flags, context, 'Backing up', (client) =>
        client.call('backup:create', args),
      );
      if (flags.json) return printJson(context, report);
      for (const line of renderBackup(report)) context.out(line);
    }),
  );

  instanceCommand(
    program
      .command('restore')
      .description(
        'fill empty collections from a backup (outpost backup or mongodump); refuses, writing nothing, if one holds documents',
      )
      .argument('<dir>', 'the backup directory')
      .option('--db <name>', 'only this database of the backup (repeat for more)', repeated)
      .option('--as <name>', 'restore the one database under this name, e.g. to compare'),
  ).action((dir: string, flags: RestoreFlags) =>
    runCommand(context, flags, async () => {
      const args: RestoreArgs = {
        dir: path.resolve(dir),
        ...(flags.db ? { databases: flags.db } : {}),
        ...(flags.as ? { as: flags.as } : {}),
      };
      const report = await callWithSpinner(flags, context, 'Restoring', (client) =>
        client.call('backup:restore', args),
      );
      if (flags.json) return printJson(context, report);
      for (const line of renderRestore(report)) context.out(line);
    }),
  );
}

async function callWithSpinner<T>(
  flags: InstanceFlags,
  context: CliContext,
  label: string,
  call: (client: Awaited<ReturnType<typeof connectInstance>>) => Promise<T>,
): Promise<T> {
  const client = await connectInstance({
    dataDir: await resolveDataDir(flags, context),
    timeoutMs: BACKUP_TIMEOUT_MS,
  });
  const spinner = flags.json ? undefined : startSpinner(label);
  try {
    return await call(client);
  } finally {
    spinner?.stop();
  }
}

/** One row per collection of a backup or restore report, named `db.coll`. */
function rowsOf<C extends { name: string }>(databases: { name: string; collections: C[] }[]) {
  return databases.flatMap((db) =>
    db.collections.map((coll) => ({ ...coll, where: `${db.name}.${coll.name}` })),
  );
}

const COLLECTION = { header: 'COLLECTION', value: (c: { where: string }) => c.where, maxWidth: 48 };
const DOCUMENTS = {
  header: 'DOCUMENTS',
  value: (c: { type: string; documents: number }) => (c.type === 'view' ? 'view' : c.documents),
  align: 'right' as const,
};

export function renderBackup(report: BackupReport): string[] {
  const rows = rowsOf(report.databases);
  if (rows.length === 0) return [`Nothing to back up: no database holds a collection.`];
  return [
    ...renderTable(
      [
        COLLECTION,
        DOCUMENTS,
        {
          header: 'SIZE',
          value: (c) => (c.type === 'view' ? '-' : formatBytes(c.bytes)),
          align: 'right',
        },
      ],
      rows,
    ),
    '',
    `Backed up ${plural(report.documents, 'document')} (${formatBytes(report.bytes)}) ` +
      `to ${report.dir} in ${formatDuration(report.durationMs)}.`,
    report.consistent
      ? `Every collection as it was at ${report.at}.`
      : 'It took longer than the server keeps a snapshot, so the collections were read one ' +
        'after another: changes made during the backup may be in some and not others.',
    `Restore with "outpost restore ${report.dir}".`,
  ];
}

export function renderRestore(report: RestoreReport): string[] {
  return [
    ...renderTable(
      [COLLECTION, DOCUMENTS, { header: 'INDEXES', value: (c) => c.indexes, align: 'right' }],
      rowsOf(report.databases),
    ),
    '',
    `Restored ${plural(report.documents, 'document')} from ${report.dir} in ${formatDuration(report.durationMs)}.`,
    report.verified
      ? `Every file matched the checksum the backup recorded (backup of ${report.at ?? 'unknown time'}).`
      : 'A mongodump directory: it has no checksums to check the files against.',
  ];
}

/** Why Outpost made a backup by itself, for `--list`. */
const WHY: Record<BackupReason, string> = {
  'before-first-sync': 'before first sync',
  'before-new-central': 'before syncing with a new central',
};

/** `outpost backup --list`: when, why and where, newest first. */
export function renderBackupList(backups: readonly BackupListing[]): string[] {
  if (backups.length === 0)
    return ['No backup in the backups folder yet. Make one with outpost backup.'];
  return [
    `${plural(backups.length, 'backup')}, newest first:`,
    ...renderTable<BackupListing>(
      [
        { header: 'made at', value: (b) => b.at },
        { header: 'why', value: (b) => (b.reason ? WHY[b.reason] : 'by hand or schedule') },
        { header: 'directory', value: (b) => b.dir },
      ],
      backups,
    ),
  ];
}
