/**
 * The `outpost` command line. Each command lives in its own module under cli/ and registers
 * itself on the program; this file only assembles them and turns failures into exit codes.
 * Run through bin/outpost.js, which passes the process's argv and environment.
 */
import { Command, CommanderError } from 'commander';
import { isOutpostError } from '../errors.js';
import type { CliContext, RegisterCommand } from './cli/context.js';
import { registerAll as registerInstanceCommands } from './cli/index.js';
import { registerServe } from './cli/serve-command.js';
import { outpostVersion } from './version.js';

export type { CliContext, RegisterCommand } from './cli/context.js';

/**
 * Every command of the CLI, in the order `outpost --help` lists them: `serve` runs an instance;
 * the others (status, sync, pause, resume, conflicts, resolve, auto-resolve, config, doctor)
 * talk to a running one.
 */
const COMMANDS: readonly RegisterCommand[] = [registerServe, registerInstanceCommands];

export function buildProgram(context: CliContext): Command {
  const program = new Command('outpost')
    .description('Offline-first sync between this site’s MongoDB and a central MongoDB.')
    .version(outpostVersion())
    .showHelpAfterError('(add --help for usage)')
    // Commander would call process.exit itself; runCli decides the exit code instead.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.replace(/\n$/, '')),
      writeErr: (text) => context.err(text.replace(/\n$/, '')),
    });
  for (const register of COMMANDS) register(program, context);
  return program;
}

/**
 * Runs one command line (`argv` as in process.argv: node, script, args...) and resolves to the
 * exit code. Errors are printed as one sentence with their stable code, never as a stack.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with exit code 0; usage errors are already printed.
      return error.exitCode;
    }
    if (isOutpostError(error)) {
      context.err(`outpost: ${error.message} [${error.code}]`);
      return 1;
    }
    context.err(`outpost: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * Stop signals of the real process. While a command listens, the first SIGINT, SIGTERM or SIGHUP
 * goes to it (a clean stop) and a second one exits at once (a mongod left running is stopped by
 * the next start, which finds it through the data directory's lock file). While none listens,
 * Node's default applies: the process ends.
 */
export function processStopSignals(err: (line: string) => void): CliContext['onStopSignal'] {
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = new Set<(signal: string) => void>();
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) {
      err(`outpost: ${signal} again: exiting without waiting for a clean stop.`);
      process.exit(130);
    }
    for (const handler of [...handlers]) handler(signal);
  };
  return (handler) => {
    if (handlers.size === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) for (const signal of SIGNALS) process.off(signal, onSignal);
    };
  };
}
