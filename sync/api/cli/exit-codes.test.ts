import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ErrorCode, OutpostError } from '../../errors.js';
import { registerAll } from './index.js';
import type { CliContext } from './context.js';
import { ExitCode, exitCodeFor, exitWith } from './exit-codes.js';
import { InstanceCallError } from './instance-client.js';

describe('exitCodeFor', () => {
  it('maps an unreachable instance to 3', () => {
    const error = new OutpostError(ErrorCode.InstanceUnreachable, 'No running Outpost.');
    expect(exitCodeFor(error)).toBe(ExitCode.Unreachable);
  });

  it('maps arguments the instance refused to 2', () => {
    expect(
      exitCodeFor(new InstanceCallError(400, { code: ErrorCode.InvalidArgs, message: 'x' })),
    ).toBe(2);
    expect(
      exitCodeFor(new InstanceCallError(400, { code: ErrorCode.ConfigInvalid, message: 'x' })),
    ).toBe(2);
    expect(
      exitCodeFor(new InstanceCallError(404, { code: ErrorCode.UnknownCall, message: 'x' })),
    ).toBe(2);
  });

  it('maps any other failure to 1', () => {
    expect(
      exitCodeFor(new InstanceCallError(501, { code: ErrorCode.NotImplemented, message: 'x' })),
    ).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor('boom')).toBe(1);
  });

  it('maps commander usage errors to 2, help to 0, and keeps exit codes it was given', () => {
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.help', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
    expect(exitCodeFor(exitWith(ExitCode.Unreachable))).toBe(3);
    expect(exitCodeFor(exitWith(ExitCode.Failure))).toBe(1);
  });
});

/** The program as cli.ts builds it: commander throws instead of exiting. */
async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    onStopSignal: () => () => undefined,
  };
  const program = new Command('outpost')
    .exitOverride()
    .configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
  registerAll(program, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { code: 0, out, err };
  } catch (error) {
    return { code: exitCodeFor(error), out, err };
  }
}

describe('exit codes of the commands', () => {
  it('gives 2 for an unknown option and a bad choice', async () => {
    expect((await run(['status', '--bogus'])).code).toBe(2);
    expect((await run(['conflicts', '--state', 'weird', '-d', '/tmp/x'])).code).toBe(2);
    expect((await run(['resolve', '65a1b2c3d4e5f60718293a4b'])).code).toBe(2);
    expect((await run(['config'])).code).toBe(2);
  });

  it('gives 2 when no instance is named', async () => {
    const result = await run(['status']);
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toContain('--data-dir');
  });

  it('gives 3 when the data directory has no running instance, with a JSON error under --json', async () => {
    const result = await run(['pause', '--json'], {
      OUTPOST_DATA_DIR: '/nonexistent/outpost-test',
    });
    expect(result.code).toBe(3);
    const printed = JSON.parse(result.out.join('\n')) as {
      error: { code: string; message: string };
    };
    expect(printed.error.code).toBe('INSTANCE_UNREACHABLE');
    expect(printed.error.message).toContain('outpost serve');
  });
});
