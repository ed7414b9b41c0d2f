import type { Command } from 'commander';
import { ErrorCode, OutpostError } from '../../errors.js';
import type { QuarantineView } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import { parseLimit } from './conflicts-commands.js';
import type { CliContext } from './context.js';
import { formatDocId, renderTable } from './format.js';

interface Flags extends InstanceFlags {
  db?: string;
  collection?: string;
  limit?: number;
  id?: string;
  retry?: boolean;
}

/** `outpost quarantine`: lists changes set aside; with --retry, tries them again. */
export function registerQuarantine(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('quarantine')
      .description(
        'list changes that could not be written and were set aside, newest first; ' +
          '--retry tries them again once their cause is fixed',
      )
      .option('--db <name>', 'only this database')
      .option('--collection <name>', 'only this collection')
      .option('--id <json>', 'only this document: its _id as JSON, as the list shows it')
      .option('--limit <n>', 'list at most this many (1-1000)', parseLimit)
      .option('--retry', 'try the chosen changes again (all of them when none is chosen)'),
  ).action((flags: Flags) =>
    runCommand(context, flags, async () => {
      const client = await connect(flags, context);
      const which = {
        ...(flags.db ? { db: flags.db } : {}),
        ...(flags.collection ? { coll: flags.collection } : {}),
      };
      if (flags.retry) {
        const result = await client.call('quarantine:retry', {
          ...which,
          ...(flags.id !== undefined ? { docId: parseId(flags.id) } : {}),
        });
        if (flags.json) return printJson(context, result);
        return context.out(
          `${result.queued} change(s) from this site queued to be sent again; ` +
            `${result.applied} from central applied; ` +
            `${result.refusedAgain} refused again and still set aside.`,
        );
      }
      if (flags.id !== undefined)
        throw new OutpostError(ErrorCode.InvalidArgs, '--id chooses what --retry tries again.');
      const { items } = await client.call('quarantine:list', {
        ...which,
        ...(flags.limit ? { limit: flags.limit } : {}),
      });
      if (flags.json) return printJson(context, { items });
      if (items.length === 0) return context.out('Nothing is set aside.');
      for (const line of renderSetAside(items)) context.out(line);
    }),
  );
}

export function renderSetAside(items: readonly QuarantineView[]): string[] {
  return renderTable(
    [
      {
        header: 'DIRECTION',
        value: (q) => (q.direction === 'push' ? 'to central' : 'from central'),
      },
      { header: 'COLLECTION', value: (q) => `${q.db}.${q.coll}`, maxWidth: 40 },
      { header: 'DOCUMENT', value: (q) => formatDocId(q.docId), maxWidth: 30 },
      { header: 'CODE', value: (q) => q.code ?? '-' },
      { header: 'AT', value: (q) => q.at },
      { header: 'REASON', value: (q) => q.reason, maxWidth: 80 },
    ],
    items,
  );
}

/** An _id as JSON (`"p1"`, `42`, `{"$oid": "..."}`); a bare word is taken as a string. */
function parseId(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (/^[\w.:-]+$/.test(text)) return text;
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `--id ${text} is not JSON: give the _id as the list shows it, e.g. --id '"p1"' or --id '{"$oid":"..."}'.`,
    );
  }
}
