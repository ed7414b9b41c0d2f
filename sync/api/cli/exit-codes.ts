import { CommanderError } from 'commander';
import { ErrorCode, isOutpostError } from '../../errors.js';

/** What scripts can rely on from every `outpost` command but `serve`. */
export const ExitCode = {
  Ok: 0,
  /** The command ran and found a failure (unhealthy, a failed check, a refused action). */
  Failure: 1,
  /** The command line or the arguments sent were wrong. */
  Usage: 2,
  /** No running instance could be reached (not started, wrong data directory, token refused). */
  Unreachable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const USAGE_CODES = new Set<string>([
  ErrorCode.InvalidArgs,
  ErrorCode.UnknownCall,
  ErrorCode.ConfigInvalid,
]);

/** Commander errors this CLI raised on purpose, carrying the exit code already decided. */
export const EXIT_ERROR_CODE = 'outpost.exit';

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    if (error.code === EXIT_ERROR_CODE) return error.exitCode as ExitCode;
    // Help and --version end normally; every other commander error is about the command line.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (isOutpostError(error, ErrorCode.InstanceUnreachable)) return ExitCode.Unreachable;
  if (isOutpostError(error) && USAGE_CODES.has(error.code)) return ExitCode.Usage;
  return ExitCode.Failure;
}

/** An error that ends the command with `code`; its message is already printed. */
export function exitWith(code: ExitCode): CommanderError {
  return new CommanderError(code, EXIT_ERROR_CODE, `exit ${code}`);
}

/**
 * For `command.exitOverride()`: commander's usage errors (unknown option, missing argument, bad
 * choice) exit with 2 instead of commander's 1, and help stays 0.
 */
export function usageExitOverride(error: CommanderError): never {
  throw new CommanderError(exitCodeFor(error), error.code, error.message);
}
