/**
 * The commands that talk to a running instance (status, sync, pause, resume, conflicts, resolve,
 * auto-resolve, queue, log, quarantine, sites, verify, config, backup, restore, open), doctor and service, registered together: `registerAll(program, context)`.
 */
import type { Command } from 'commander';
import { registerBackup } from './backup-command.js';
import { registerConfig } from './config-command.js';
import { registerConflicts } from './conflicts-commands.js';
import type { CliContext } from './context.js';
import { registerControls } from './control-commands.js';
import { registerDoctor } from './doctor-command.js';
import { registerLog } from './log-command.js';
import { registerOpen } from './open-command.js';
import { registerQuarantine } from './quarantine-commands.js';
import { registerQueue } from './queue-command.js';
import { registerService } from './service-command.js';
import { registerSites } from './sites-command.js';
import { registerStatus } from './status-command.js';
import { registerVerify } from './verify-command.js';

export { ExitCode, exitCodeFor } from './exit-codes.js';

export function registerAll(program: Command, context: CliContext): void {
  registerStatus(program, context);
  registerControls(program, context);
  registerConflicts(program, context);
  registerQueue(program, context);
  registerLog(program, context);
  registerQuarantine(program, context);
  registerSites(program, context);
  registerVerify(program, context);
  registerConfig(program, context);
  registerBackup(program, context);
  registerDoctor(program, context);
  registerOpen(program, context);
  registerService(program, context);
}
