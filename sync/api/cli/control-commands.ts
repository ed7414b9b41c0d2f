import { InvalidArgumentError, type Command } from 'commander';
import type { EngineState, SyncRunView } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { renderTable } from './format.js';

const CONTROLS = [
  {
    name: 'pause',
    call: 'sync:pause',
    description: 'pause sync (local writes keep being queued)',
    done: 'Sync paused',
  },
  {
    name: 'resume',
    call: 'sync:resume',
    description: 'resume sync after a pause',
    done: 'Sync resumed',
  },
] as const;

interface SyncFlags extends InstanceFlags {
  wait?: boolean;
  timeout?: number;
}

/** `outpost sync [--wait]`, `outpost pause`, `outpost resume`. */
export function registerControls(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('sync')
      .description('push waiting changes and read central now')
      .option(
        '--wait',
        'wait until what this site had is sent and central has nothing more, then report ' +
          'what moved (exit 1 if not done in time)',
      )
      .option('--timeout <s>', 'with --wait: how long to wait at most (default 60)', parseSeconds),
  ).action((flags: SyncFlags) =>
    runCommand(context, flags, async () => {
      const client = await connect(flags, context);
      const result = await client.call(
        'sync:run-now',
        flags.wait
          ? { wait: true, ...(flags.timeout ? { timeoutMs: flags.timeout * 1_000 } : {}) }
          : undefined,
      );
      if (flags.json) printJson(context, result);
      else if (!result.run) context.out(`Sync requested; the engine is ${describe(result.state)}.`);
      else {
        context.out(describeRun(result.run, result.state));
        if (result.run.collections.length > 0)
          for (const line of renderTable(
            [
              { header: 'COLLECTION', value: (c) => `${c.db}.${c.coll}`, maxWidth: 48 },
              { header: 'SENT', value: (c) => c.pushed, align: 'right' },
              { header: 'RECEIVED', value: (c) => c.pulled, align: 'right' },
              { header: 'CONFLICTS', value: (c) => c.conflicts, align: 'right' },
            ],
            result.run.collections,
          ))
            context.out(`  ${line}`);
      }
      return result.run && !result.run.complete ? ExitCode.Failure : ExitCode.Ok;
    }),
  );

  for (const control of CONTROLS) {
    instanceCommand(program.command(control.name).description(control.description)).action(
      (flags: InstanceFlags) =>
        runCommand(context, flags, async () => {
          const client = await connect(flags, context);
          const result = await client.call(control.call);
          if (flags.json) printJson(context, result);
          else context.out(`${control.done}; the engine is ${describe(result.state)}.`);
        }),
    );
  }
}

export function describeRun(run: SyncRunView, state: EngineState): string {
  const moved =
    `${run.pushed} sent, ${run.pulled} received, ${run.conflicts} conflict(s)` +
    (run.failures > 0 ? `, ${run.failures} failed tries` : '');
  const took = `${(run.durationMs / 1_000).toFixed(1)} s`;
  if (run.complete) return `In sync after ${took}: ${moved}.`;
  return (
    `Not done after ${took}: ${run.waiting} change(s) still waiting; the engine is ` +
    `${describe(state)}. Meanwhile: ${moved}.`
  );
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 600)
    throw new InvalidArgumentError('expected a whole number of seconds from 1 to 600.');
  return Number(value);
}

function describe(state: EngineState): string {
  return state.name === 'offline' || state.name === 'local-only'
    ? `${state.name} (${state.reason})`
    : state.name;
}
