/**
 * `outpost log`: the sync log (the audit trail Activity shows): state changes, conflicts,
 * operator actions, alerts, set-aside changes, verify and backup runs, oldest first so that the
 * newest is the last line.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ListLogArgs, LogEntryView } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import { parseLimit } from './conflicts-commands.js';
import type { CliContext } from './context.js';
import { renderTable } from './format.js';

interface Flags extends InstanceFlags {
  level?: 'info' | 'warn' | 'error';
  event?: string;
  since?: string;
  limit?: number;
}

const LEVELS = ['info', 'warn', 'error'] as const;

export function registerLog(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('log')
      .description(
        'show the sync log (what Activity shows): state changes, conflicts, operator actions, alerts',
      )
      .option('--level <level>', 'only entries of this level: info, warn or error', parseLevel)
      .option('--event <name>', 'only this event, e.g. conflict.opened or sync.went-offline')
      .option('--since <when>', 'only entries since: 30m, 2h, 7d, or a date-time', (value) =>
        parseSince(value, Date.now()),
      )
      .option('--limit <n>', 'the newest n entries (1-1000, default 100)', parseLimit),
  ).action((flags: Flags) =>
    runCommand(context, flags, async () => {
      const args: ListLogArgs = {
        ...(flags.level ? { level: flags.level } : {}),
        ...(flags.event ? { event: flags.event } : {}),
        ...(flags.since ? { since: flags.since } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
      };
      const { entries } = await (await connect(flags, context)).call('log:list', args);
      if (flags.json) return printJson(context, { entries });
      if (entries.length === 0) return context.out('No entries.');
      for (const line of renderLog([...entries].reverse())) context.out(line);
    }),
  );
}

function parseLevel(value: string): Flags['level'] {
  if (!(LEVELS as readonly string[]).includes(value))
    throw new InvalidArgumentError('expected info, warn or error.');
  return value as Flags['level'];
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "2h", "7d" before `now`, or a date-time as given; an ISO date-time either way. */
export function parseSince(value: string, now: number): string {
  const relative = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]!]!).toISOString();
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new InvalidArgumentError(
      'expected a time back from now (30m, 2h, 7d) or a date-time (2026-12-07T09:00:00Z).',
    );
  return new Date(at).toISOString();
}

export function renderLog(entries: readonly LogEntryView[]): string[] {
  return renderTable(
    [
      { header: 'AT', value: (e) => e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') },
      { header: 'LEVEL', value: (e) => e.level },
      { header: 'EVENT', value: (e) => e.event },
      { header: 'DETAILS', value: (e) => details(e.attributes) },
    ],
    entries,
  );
}

/** `key=value` pairs, strings bare, the rest as compact JSON. */
function details(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
