import type { Command } from 'commander';
import type { OutboxEntryView } from '../contract.js';
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
  failing?: boolean;
  limit?: number;
}

/** `outpost queue`: the changes of this site waiting to be sent, oldest first. */
export function registerQueue(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('queue')
      .description(
        'list the changes of this site waiting to be sent to central, oldest first, with their ' +
          'failed attempts and last error',
      )
      .option('--db <name>', 'only this database')
      .option('--collection <name>', 'only this collection')
      .option('--failing', 'only changes that failed at least once')
      .option('--limit <n>', 'list at most this many (1-1000, default 100)', parseLimit),
  ).action((flags: Flags) =>
    runCommand(context, flags, async () => {
      const view = await (
        await connect(flags, context)
      ).call('outbox:list', {
        ...(flags.db ? { db: flags.db } : {}),
        ...(flags.collection ? { coll: flags.collection } : {}),
        ...(flags.failing ? { failing: true } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
      });
      if (flags.json) return printJson(context, view);
      if (view.total === 0)
        return context.out(
          flags.failing ? 'No change has failed: nothing is stuck.' : 'Nothing is waiting.',
        );
      for (const line of renderQueue(view.entries)) context.out(line);
      if (view.total > view.entries.length)
        context.out(`(${view.entries.length} of ${view.total} shown; --limit shows more)`);
    }),
  );
}

export function renderQueue(entries: readonly OutboxEntryView[]): string[] {
  return renderTable(
    [
      { header: 'COLLECTION', value: (e) => `${e.db}.${e.coll}`, maxWidth: 40 },
      { header: 'DOCUMENT', value: (e) => formatDocId(e.docId), maxWidth: 30 },
      { header: 'CHANGE', value: (e) => (e.op === 'delete' ? 'delete' : 'write') },
      { header: 'SINCE', value: (e) => e.since },
      {
        header: 'STATE',
        value: (e) =>
          e.parked
            ? 'waits for a conflict to be resolved'
            : e.nextAt
              ? `retry at ${e.nextAt}`
              : e.attempts > 0
                ? 'due now'
                : 'waiting',
      },
      { header: 'FAILED', value: (e) => String(e.attempts) },
      { header: 'LAST ERROR', value: (e) => e.lastError ?? '-', maxWidth: 80 },
    ],
    entries,
  );
}
