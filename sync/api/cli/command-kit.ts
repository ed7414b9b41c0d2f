/**
 * What every instance command shares: `--data-dir`, `--config`, `--json`, usage errors as exit
 * code 2, and one way of printing failures and turning them into exit codes.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { readConfigFile } from '../../config/index.js';
import { ErrorCode, OutpostError, toOutpostError } from '../../errors.js';
import { redactUri } from '../../logging/redact.js';
import type { CliContext } from './context.js';
import { ExitCode, exitCodeFor, exitWith, usageExitOverride } from './exit-codes.js';
import { connectInstance, type InstanceClient } from './instance-client.js';

export interface InstanceFlags {
  dataDir?: string | undefined;
  config?: string | undefined;
  json?: boolean | undefined;
}

/** Adds the options that locate the instance, and the exit-code mapping of usage errors. */
export function instanceCommand(command: Command): Command {
  return command
    .option('-d, --data-dir <dir>', 'data directory of the instance (or OUTPOST_DATA_DIR)')
    .option('-c, --config <file>', 'config file naming the data directory')
    .option('--json', 'print JSON for scripts instead of tables')
    .exitOverride(usageExitOverride);
}

/** --data-dir, else OUTPOST_DATA_DIR, else `dataDir` of --config; otherwise a usage error. */
export async function resolveDataDir(flags: InstanceFlags, context: CliContext): Promise<string> {
  const named = flags.dataDir ?? context.env['OUTPOST_DATA_DIR'];
  if (named?.trim()) return path.resolve(named);
  if (flags.config) {
    const file = await readConfigFile(path.resolve(flags.config));
    if (typeof file?.['dataDir'] === 'string') return path.resolve(file['dataDir']);
  }
  throw new OutpostError(
    ErrorCode.InvalidArgs,
    'Which Outpost? Name its data directory with --data-dir <dir> or OUTPOST_DATA_DIR, or give ' +
      'its config file with --config <file>.',
  );
}

/** `timeoutMs` for calls that may take long (default 30 s). */
export async function connect(
  flags: InstanceFlags,
  context: CliContext,
  timeoutMs?: number,
): Promise<InstanceClient> {
  return connectInstance({
    dataDir: await resolveDataDir(flags, context),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

export function printJson(context: CliContext, value: unknown): void {
  context.out(JSON.stringify(value, null, 2));
}

/**
 * Runs a command body. A failure is printed once (stderr; with --json also as `{"error": ...}`
 * on stdout, so scripts parse one thing) and ends the command with its exit code.
 */
export async function runCommand(
  context: CliContext,
  flags: InstanceFlags,
  body: () => Promise<ExitCode | void>,
): Promise<void> {
  let code: ExitCode;
  try {
    code = (await body()) ?? ExitCode.Ok;
  } catch (error) {
    code = exitCodeFor(error);
    const failure = toOutpostError(error);
    const message = redactUri(failure.message);
    if (flags.json) {
      printJson(context, {
        error: { code: failure.code, message, details: failure.details ?? {} },
      });
    }
    context.err(`outpost: ${message} [${failure.code}]`);
  }
  if (code !== ExitCode.Ok) throw exitWith(code);
}
