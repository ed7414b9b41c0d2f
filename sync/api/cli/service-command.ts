/**
 * `outpost service`: runs `outpost serve` unattended on a back-office box, started at boot and
 * restarted when it dies (the seeds ran their sync layers under PM2). On Linux a systemd unit:
 * `unit` prints it, `install` writes it and enables it, `uninstall` takes it away. Elsewhere it
 * says how (Windows: NSSM, as Node programs are not Windows services themselves).
 *
 * The unit stops Outpost the way Ctrl-C does: SIGTERM to the launcher only (KillMode=mixed), which
 * stops the engine, then mongod, cleanly; systemd's default would signal mongod at the same time.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { ErrorCode, OutpostError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { runCommand } from './command-kit.js';
import type { CliContext } from './context.js';
import { usageExitOverride } from './exit-codes.js';
import { configFileFor, loadServeConfig } from './serve-options.js';

const LAUNCHER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../bin/outpost.js',
);
const SYSTEMD_RUNNING = '/run/systemd/system';

interface ServiceFlags {
  config?: string;
  dataDir?: string;
  name: string;
  user?: string;
  unitDir: string;
  json?: boolean;
}

export interface UnitOptions {
  /** `serve`'s config file (absolute). */
  configFile: string;
  name: string;
  user?: string | undefined;
  node: string;
  launcher: string;
}

/** The systemd unit that runs `outpost serve --config <file>`. */
export function systemdUnit(options: UnitOptions): string {
  const quote = (value: string) => (/[\s"\\]/.test(value) ? JSON.stringify(value) : value);
  const outpost = (...args: string[]) =>
    [options.node, options.launcher, ...args, '--config', options.configFile].map(quote).join(' ');
  return [
    '[Unit]',
    `Description=Outpost: the site's MongoDB and its sync with central (${options.name})`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${outpost('serve')}`,
    // "systemctl reload": the running instance reads its config file again.
    `ExecReload=${outpost('config', 'reload')}`,
    ...(options.user ? [`User=${options.user}`] : []),
    'Restart=on-failure',
    'RestartSec=5',
    // SIGTERM to the launcher alone: it stops the engine, then mongod; the rest is killed only
    // if that takes longer than TimeoutStopSec.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=90',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function registerService(program: Command, context: CliContext): void {
  const service = program
    .command('service')
    .description('run "outpost serve" as a service, started at boot (Linux: systemd)')
    .exitOverride(usageExitOverride);
  const common = (command: Command) =>
    command
      .option('-c, --config <file>', "serve's config file (default: <data dir>/outpost.json)")
      .option('-d, --data-dir <dir>', 'data directory whose outpost.json to use')
      .option('--name <name>', 'service name', 'outpost')
      .option('--unit-dir <dir>', 'where the unit goes', '/etc/systemd/system')
      .exitOverride(usageExitOverride);

  common(service.command('unit').description('print the systemd unit'))
    .option('--user <name>', 'run as this user (default: root)')
    .action((flags: ServiceFlags) =>
      runCommand(context, flags, async () => {
        context.out(systemdUnit(await unitOptions(flags, context)));
      }),
    );

  common(
    service
      .command('install')
      .description('write the systemd unit, enable it and start Outpost now'),
  )
    .option('--user <name>', 'run as this user (default: root)')
    .action((flags: ServiceFlags) =>
      runCommand(context, flags, async () => {
        const unit = systemdUnit(await unitOptions(flags, context));
        const file = path.join(path.resolve(flags.unitDir), `${flags.name}.service`);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, unit, { mode: 0o644 }).catch((error: unknown) => {
          throw new OutpostError(
            ErrorCode.InvalidArgs,
            `Cannot write ${file} (${(error as Error).message}). Run this as root, or write it ` +
              `yourself: outpost service unit ${describeFlags(flags)} | sudo tee ${file}`,
            { cause: error },
          );
        });
        context.out(`Wrote ${file}.`);
        await systemctl(context, ['daemon-reload'], ['enable', '--now', flags.name]);
      }),
    );

  common(
    service.command('uninstall').description('stop and disable the service, remove its unit'),
  ).action((flags: ServiceFlags) =>
    runCommand(context, flags, async () => {
      const file = path.join(path.resolve(flags.unitDir), `${flags.name}.service`);
      if (!existsSync(file))
        throw new OutpostError(ErrorCode.InvalidArgs, `There is no ${file}: nothing to remove.`);
      await systemctl(context, ['disable', '--now', flags.name]);
      await rm(file);
      context.out(`Removed ${file}. Outpost's data directory is left as it was.`);
      await systemctl(context, ['daemon-reload']);
    }),
  );
}

/** The unit's options, after checking that `serve` would start with this config. */
async function unitOptions(flags: ServiceFlags, context: CliContext): Promise<UnitOptions> {
  if (process.platform !== 'linux') {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      'outpost service sets up systemd (Linux). On Windows run it with NSSM: nssm install ' +
        `Outpost "${process.execPath}" "${LAUNCHER} serve --config <file>", then nssm start Outpost. ` +
        'On macOS, a launchd agent with the same command line.',
    );
  }
  const configFile = configFileFor({ config: flags.config, dataDir: flags.dataDir }, context.env);
  if (!configFile || !existsSync(configFile)) {
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `The service needs a config file to start from${configFile ? `; ${configFile} does not exist` : ''}. ` +
        'Give it with --config <file> (it must name dataDir), or --data-dir <dir> holding outpost.json.',
    );
  }
  // Loaded as serve will load it, without the environment: a bad file fails here, not at boot.
  const config = await loadServeConfig({ config: configFile }, {});
  if (!path.isAbsolute(config.dataDir))
    throw new OutpostError(
      ErrorCode.InvalidArgs,
      `dataDir in ${configFile} is relative (${config.dataDir}): a service starts elsewhere. Make it absolute.`,
    );
  return {
    configFile,
    name: flags.name,
    user: flags.user,
    node: process.execPath,
    launcher: LAUNCHER,
  };
}

/** Runs each systemctl command where systemd runs; elsewhere prints them to run later. */
async function systemctl(context: CliContext, ...commands: string[][]): Promise<void> {
  if (!existsSync(SYSTEMD_RUNNING)) {
    context.out('systemd is not running on this machine; once it is, run:');
    for (const args of commands) context.out(`  systemctl ${args.join(' ')}`);
    return;
  }
  for (const args of commands) {
    await promisify(execFile)('systemctl', args).catch((error: unknown) => {
      throw new OutpostError(
        ErrorCode.InvalidArgs,
        `systemctl ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
        { cause: error },
      );
    });
    context.out(`systemctl ${args.join(' ')}: done.`);
  }
}

function describeFlags(flags: ServiceFlags): string {
  return [
    flags.config ? `--config ${flags.config}` : '',
    flags.dataDir ? `--data-dir ${flags.dataDir}` : '',
    flags.user ? `--user ${flags.user}` : '',
    flags.name !== 'outpost' ? `--name ${flags.name}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
