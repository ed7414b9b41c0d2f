import type { Command } from 'commander';
import type { EngineState } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';

const CONTROLS = [
  {
    name: 'sync',
    call: 'sync:run-now',
    description: 'push waiting changes and read central now',
    done: 'Sync requested',
  },
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

/** `outpost sync`, `outpost pause`, `outpost resume`. */
export function registerControls(program: Command, context: CliContext): void {
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

function describe(state: EngineState): string {
  return state.name === 'offline' || state.name === 'local-only'
    ? `${state.name} (${state.reason})`
    : state.name;
}
