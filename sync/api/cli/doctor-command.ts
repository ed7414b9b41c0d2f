import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import { toOutpostError } from '../../errors.js';
import { worstStatus } from '../../status/health.js';
import { printJson, runCommand } from './command-kit.js';
import type { CliContext } from './context.js';
import {
  checkApiPort,
  checkCentral,
  checkDisk,
  checkLocalPort,
  checkMongodBinary,
  type DoctorCheck,
} from './doctor-checks.js';
import { ExitCode, usageExitOverride } from './exit-codes.js';
import { renderTable, statusLabel } from './format.js';
import { loadServeConfig } from './serve-options.js';

const RESOURCES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../resources',
);

interface DoctorFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

/** `outpost doctor`: checks what `serve` needs, without a running instance. */
export function registerDoctor(program: Command, context: CliContext): void {
  program
    .command('doctor')
    .description('check mongod, ports, disk, central and clock, and say what to fix')
    .option('-c, --config <file>', 'config file (default: <data dir>/outpost.json)')
    .option('-d, --data-dir <dir>', 'data directory (or OUTPOST_DATA_DIR)')
    .option('--json', 'print JSON for scripts')
    .exitOverride(usageExitOverride)
    .action((flags: DoctorFlags) =>
      runCommand(context, flags, async () => {
        const checks = await runDoctor(flags, context);
        const status = worstStatus(checks.map((check) => check.status));
        if (flags.json) printJson(context, { status, checks });
        else for (const line of renderDoctor(checks)) context.out(line);
        return status === 'fail' ? ExitCode.Failure : ExitCode.Ok;
      }),
    );
}

export async function runDoctor(flags: DoctorFlags, context: CliContext): Promise<DoctorCheck[]> {
  let config: Config;
  try {
    config = await loadServeConfig({ config: flags.config, dataDir: flags.dataDir }, context.env);
  } catch (error) {
    return [
      {
        name: 'config',
        status: 'fail',
        message: toOutpostError(error).message,
        fix: 'Fix the config (or pass --data-dir / --config) and run "outpost doctor" again.',
      },
    ];
  }
  const checks: DoctorCheck[] = [
    { name: 'config', status: 'pass', message: `Config loaded; data directory ${config.dataDir}.` },
  ];
  checks.push(
    await checkMongodBinary({
      config,
      searchPath: context.env['PATH'],
      resourcesDir: RESOURCES_DIR,
      devMongodBinary: context.devMongodBinary,
    }),
    await checkLocalPort(config),
    await checkApiPort(config),
    await checkDisk(config),
    ...(await checkCentral(config)),
  );
  return checks;
}

export function renderDoctor(checks: readonly DoctorCheck[]): string[] {
  const lines = renderTable(
    [
      { header: 'CHECK', value: (c) => c.name },
      { header: 'STATUS', value: (c) => statusLabel(c.status) },
      { header: 'DETAIL', value: (c) => c.message },
    ],
    checks,
  );
  const fixes = checks.filter((check) => check.status !== 'pass' && check.fix);
  if (fixes.length === 0) return [...lines, '', 'Nothing to fix.'];
  return [
    ...lines,
    '',
    'What to fix:',
    ...fixes.map((check, i) => `${i + 1}. ${check.name}: ${check.fix}`),
  ];
}
