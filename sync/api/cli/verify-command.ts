/**
 * `outpost verify [--db <name>] [--coll <name>...] [--repair] [--json]`: compares the site with
 * central by hashed `_id` ranges and, with --repair, re-syncs exactly the differing documents.
 * Exit 0 when no difference remains (none found, or all repaired), 1 when some remain.
 * Documents with an unsynced local change are listed as pending; they are push's work, not drift.
 */
import type { Command } from 'commander';
import type { VerifyArgs, VerifyCollectionReport, VerifyReport } from '../contract.js';
import { instanceCommand, printJson, resolveDataDir, runCommand } from './command-kit.js';
import type { InstanceFlags } from './command-kit.js';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { formatDocId, renderTable } from './format.js';
import { connectInstance } from './instance-client.js';
import { startSpinner } from './spinner.js';

interface VerifyFlags extends InstanceFlags {
  db?: string;
  collection?: string[];
  repair?: boolean;
}

/** A large collection over a slow link takes a while: the one request may run this long. */
const VERIFY_TIMEOUT_MS = 6 * 60 * 60 * 1000;

export function registerVerify(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('verify')
      .description(
        'compare local and central by hashed _id ranges; --repair re-syncs the differing documents; exit 1 while differences remain',
      )
      .option('--db <name>', 'only this database')
      .option(
        '--coll, --collection <name>',
        'only this collection (repeat for more)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .option(
        '--repair',
        'fix the differences: central wins, never-synced local documents are pushed',
      ),
  ).action((flags: VerifyFlags) =>
    runCommand(context, flags, async () => {
      const client = await connectInstance({
        dataDir: await resolveDataDir(flags, context),
        timeoutMs: VERIFY_TIMEOUT_MS,
      });
      const args: VerifyArgs = {
        ...(flags.db ? { db: flags.db } : {}),
        ...(flags.collection ? { colls: flags.collection } : {}),
        ...(flags.repair ? { repair: true } : {}),
      };
      const spinner = flags.json
        ? undefined
        : startSpinner(`${flags.repair ? 'Repairing' : 'Verifying'} with central`);
      let report: VerifyReport;
      try {
        report = await client.call('sync:verify', args);
      } finally {
        spinner?.stop();
      }
      if (flags.json) printJson(context, report);
      else for (const line of renderVerify(report)) context.out(line);
      return report.totals.remaining > 0 ? ExitCode.Failure : ExitCode.Ok;
    }),
  );
}

export function renderVerify(report: VerifyReport): string[] {
  const { totals } = report;
  if (report.collections.length === 0) return ['No collection to verify.'];
  const lines = renderTable<VerifyCollectionReport>(
    [
      { header: 'COLLECTION', value: (c) => `${c.db}.${c.coll}`, maxWidth: 48 },
      { header: 'COMPARED', value: (c) => c.compared, align: 'right' },
      { header: 'DIFFERING', value: (c) => c.differing, align: 'right' },
      { header: 'REPAIRED', value: (c) => c.repaired, align: 'right' },
      { header: 'PENDING', value: (c) => c.pending, align: 'right' },
    ],
    report.collections,
  );
  const differences = report.collections.flatMap((c) =>
    c.differences.map((d) => ({ ...d, where: `${c.db}.${c.coll}` })),
  );
  if (differences.length > 0) {
    lines.push('');
    lines.push(
      ...renderTable(
        [
          { header: 'COLLECTION', value: (d) => d.where, maxWidth: 40 },
          { header: 'DOCUMENT', value: (d) => formatDocId(d.id), maxWidth: 40 },
          { header: 'KIND', value: (d) => d.kind },
          {
            header: 'REPAIR',
            value: (d) =>
              d.repaired
                ? `done: ${d.action}`
                : report.repair
                  ? 'not done (moved meanwhile)'
                  : d.action,
          },
        ],
        differences,
      ),
    );
  }
  if (report.collections.some((c) => c.truncated)) lines.push('(lists cut; --json has the counts)');
  lines.push('');
  const pending =
    totals.pending > 0
      ? ` ${totals.pending} ${plural(totals.pending, 'document')} with unsynced local changes left to push.`
      : '';
  if (totals.differing === 0) {
    lines.push(
      `No differences in ${totals.compared} ${plural(totals.compared, 'document')}.${pending}`,
    );
  } else if (report.repair) {
    lines.push(
      `${totals.differing} ${plural(totals.differing, 'document')} differed, ${totals.repaired} repaired` +
        `${totals.remaining > 0 ? `, ${totals.remaining} left: run verify again` : ''}.${pending}`,
    );
  } else {
    lines.push(
      `${totals.differing} ${plural(totals.differing, 'document')} differ. Run "outpost verify --repair" to re-sync them.${pending}`,
    );
  }
  return lines;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
