import type { Command } from 'commander';
import { ErrorCode, OutpostError } from '../../errors.js';
import type { ConfigUpdateResult, JsonObject } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';
import { usageExitOverride } from './exit-codes.js';

/**
 * A change that replaces the engine waits for the old one to stop, and an engine stops only once
 * a backup it asked for has ended (before a first sync or a new central: backup/first-sync.ts),
 * which takes minutes on a large database.
 */
const APPLY_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * `outpost config get [key]`, `outpost config set <key> <value>` and `outpost config reload` on
 * the running instance.
 */
export function registerConfig(program: Command, context: CliContext): void {
  const config = program
    .command('config')
    .description("read or change the running instance's config")
    .exitOverride(usageExitOverride);

  instanceCommand(
    config
      .command('get')
      .description('print the effective config (credentials removed), or one key of it')
      .argument('[key]', 'dotted key, e.g. sync.batchSize'),
  ).action((key: string | undefined, flags: InstanceFlags) =>
    runCommand(context, flags, async () => {
      const view = await (await connect(flags, context)).call('config:get');
      const value = key === undefined ? view.config : valueAt(view.config, key);
      if (flags.json) return printJson(context, key === undefined ? view : { key, value });
      context.out(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    }),
  );

  instanceCommand(
    config
      .command('set')
      .description(
        'change one key in the config file (JSON values: 100, true, "[...]"; null removes)',
      )
      .argument('<key>', 'dotted key, e.g. health.queueWarn')
      .argument('<value>', 'new value; parsed as JSON when it is JSON, else taken as text'),
  ).action((key: string, raw: string, flags: InstanceFlags) =>
    runCommand(context, flags, async () => {
      const result = await (
        await connect(flags, context, APPLY_TIMEOUT_MS)
      ).call('config:update', {
        patch: patchFor(key, parseValue(raw)),
      });
      if (flags.json) return printJson(context, result);
      context.out(`Saved ${key} to ${result.file}. ${describeApplied(result)}`);
    }),
  );

  instanceCommand(
    config
      .command('reload')
      .description(
        'read the config file again and apply what changed (serve also notices edits by itself)',
      ),
  ).action((flags: InstanceFlags) =>
    runCommand(context, flags, async () => {
      const result = await (await connect(flags, context, APPLY_TIMEOUT_MS)).call('config:reload');
      if (flags.json) return printJson(context, result);
      const from = result.file ?? 'the settings';
      if (result.applied.length === 0 && result.restartFor.length === 0)
        return context.out(`Read ${from} again: nothing changed.`);
      context.out(
        `Read ${from} again. ${[
          result.applied.length > 0 ? `In effect now: ${result.applied.join(', ')}.` : '',
          result.restartFor.length > 0
            ? `Restart Outpost for ${result.restartFor.join(', ')} to take effect.`
            : '',
        ]
          .filter(Boolean)
          .join(' ')}`,
      );
    }),
  );
}

/** What a saved change did to the running instance, in a sentence. */
export function describeApplied(result: ConfigUpdateResult): string {
  if (result.restartFor.length > 0)
    return `Restart Outpost for ${result.restartFor.join(', ')} to take effect.`;
  if (result.applied.length > 0) return 'In effect now.';
  if (!result.restartRequired)
    return (
      'It changes nothing that runs: the value was already in effect, or an environment ' +
      'variable or a command-line flag sets it.'
    );
  return 'Restart Outpost for the change to take effect.';
}

/** `sync.batchSize` + 100 -> `{ sync: { batchSize: 100 } }` (a JSON merge patch). */
export function patchFor(key: string, value: unknown): JsonObject {
  const parts = splitKey(key);
  return parts.reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as JsonObject;
}

/** JSON when the text is JSON (numbers, booleans, null, arrays, objects, "quoted"), else text. */
export function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function valueAt(root: unknown, key: string): unknown {
  let current = root;
  for (const part of splitKey(key)) {
    if (current === null || typeof current !== 'object' || !(part in current)) {
      throw new OutpostError(ErrorCode.InvalidArgs, `The config has no key ${key}.`, {
        details: { key },
      });
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function splitKey(key: string): string[] {
  const parts = key.split('.');
  if (parts.some((part) => part === '')) {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `"${key}" is not a config key (e.g. sync.batchSize).`,
      {
        details: { key },
      },
    );
  }
  return parts;
}
