import { InvalidArgumentError, Option, type Command } from 'commander';
import { ErrorCode, OutpostError } from '../../errors.js';
import type { ConflictView, JsonObject, ResolveConflictArgs } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';
import { formatDocId, renderTable } from './format.js';

interface ListFlags extends InstanceFlags {
  state?: 'open' | 'resolved' | 'all';
  db?: string;
  collection?: string;
  limit?: number;
}

interface ResolveFlags extends InstanceFlags {
  keep: 'site' | 'central' | 'merged';
  doc?: JsonObject;
}

interface AutoFlags extends InstanceFlags {
  db?: string;
  collection?: string;
  strategy?: 'lww' | 'site-wins' | 'central-wins';
  max?: number;
}

/** `outpost conflicts`, `outpost resolve <id>`, `outpost auto-resolve`. */
export function registerConflicts(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('conflicts')
      .description('list conflicts (open ones by default), newest first')
      .addOption(
        new Option('--state <state>', 'which conflicts').choices(['open', 'resolved', 'all']),
      )
      .option('--db <name>', 'only this database')
      .option('--collection <name>', 'only this collection')
      .option('--limit <n>', 'at most this many (1-500)', parseLimit),
  ).action((flags: ListFlags) =>
    runCommand(context, flags, async () => {
      const { conflicts } = await (
        await connect(flags, context)
      ).call('conflicts:list', {
        ...(flags.state ? { state: flags.state } : {}),
        ...(flags.db ? { db: flags.db } : {}),
        ...(flags.collection ? { coll: flags.collection } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
      });
      if (flags.json) return printJson(context, { conflicts });
      if (conflicts.length === 0) return context.out('No conflicts.');
      for (const line of renderConflicts(conflicts)) context.out(line);
    }),
  );

  instanceCommand(
    program
      .command('resolve')
      .description("decide an open conflict: keep the site's or central's version, or a merge")
      .argument('<id>', 'conflict id (from "outpost conflicts")')
      .addOption(
        new Option('--keep <side>', 'the version to keep')
          .choices(['site', 'central', 'merged'])
          .makeOptionMandatory(),
      )
      .option('--doc <json>', 'the merged document, with --keep merged', parseJsonObject),
  ).action((id: string, flags: ResolveFlags) =>
    runCommand(context, flags, async () => {
      if (flags.keep === 'merged' && !flags.doc) {
        throw new OutpostError(
          ErrorCode.InvalidArgs,
          '--keep merged needs the merged document: --doc <json>.',
        );
      }
      const args: ResolveConflictArgs =
        flags.keep === 'merged'
          ? { id, keep: 'merged', doc: flags.doc! }
          : { id, keep: flags.keep };
      const result = await (await connect(flags, context)).call('conflicts:resolve', args);
      if (flags.json) return printJson(context, result);
      context.out(`Conflict ${result.id} resolved: kept ${result.outcome}.`);
    }),
  );

  instanceCommand(
    program
      .command('auto-resolve')
      .description(
        'resolve the simple open conflicts (same content, central newer, a recent unique clash), ' +
          'or every open one by --strategy',
      )
      .option('--db <name>', 'only this database')
      .option('--collection <name>', 'only this collection')
      .addOption(
        new Option('--strategy <strategy>', 'override the strategy').choices([
          'lww',
          'site-wins',
          'central-wins',
        ]),
      )
      .option(
        '--max <n>',
        'look at most at this many, oldest first (1-10000, default 100)',
        parseLimit,
      ),
  ).action((flags: AutoFlags) =>
    runCommand(context, flags, async () => {
      const result = await (
        await connect(flags, context)
      ).call('conflicts:auto-resolve', {
        ...(flags.db ? { db: flags.db } : {}),
        ...(flags.collection ? { coll: flags.collection } : {}),
        ...(flags.strategy ? { strategy: flags.strategy } : {}),
        ...(flags.max ? { max: flags.max } : {}),
      });
      if (flags.json) return printJson(context, result);
      context.out(
        `${result.resolved} conflicts resolved` +
          (result.skipped > 0 ? `, ${result.skipped} left for you (not a simple case)` : '') +
          (result.failed > 0 ? `, ${result.failed} failed (see the log)` : '') +
          `; ${result.remaining} still open.`,
      );
    }),
  );
}

export function renderConflicts(conflicts: readonly ConflictView[]): string[] {
  return renderTable(
    [
      { header: 'ID', value: (c) => c.id },
      { header: 'COLLECTION', value: (c) => `${c.db}.${c.coll}`, maxWidth: 40 },
      { header: 'DOCUMENT', value: (c) => formatDocId(c.docId), maxWidth: 30 },
      { header: 'KIND', value: (c) => c.kind },
      { header: 'STRATEGY', value: (c) => c.strategy },
      { header: 'STATE', value: (c) => (c.state === 'open' ? 'OPEN' : `kept ${c.outcome ?? '?'}`) },
      { header: 'AT', value: (c) => c.at },
    ],
    conflicts,
  );
}

export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('expected a whole number of at least 1.');
  }
  return Number(value);
}

function parseJsonObject(value: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object, e.g. \'{"qty": 3}\'.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object.');
  }
  return parsed as JsonObject;
}
