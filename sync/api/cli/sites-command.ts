import type { Command } from 'commander';
import type { SiteView } from '../contract.js';
import {
  connect,
  instanceCommand,
  printJson,
  runCommand,
  type InstanceFlags,
} from './command-kit.js';
import type { CliContext } from './context.js';
import { formatSince, renderTable } from './format.js';

interface Flags extends InstanceFlags {
  retire?: string;
}

/** `outpost sites`: the sites registered at central; `--retire <id>` takes a gone one out. */
export function registerSites(program: Command, context: CliContext): void {
  instanceCommand(
    program
      .command('sites')
      .description(
        'list the sites registered at central; --retire takes one that is gone for good out, ' +
          'so central stops keeping delete records for it',
      )
      .option('--retire <instanceId>', 'retire this site (stopped, not to come back)'),
  ).action((flags: Flags) =>
    runCommand(context, flags, async () => {
      const client = await connect(flags, context);
      if (flags.retire !== undefined) {
        const result = await client.call('sites:retire', { instanceId: flags.retire });
        if (flags.json) return printJson(context, result);
        return context.out(
          `Retired ${result.instanceId} from ${result.databases} database(s); ` +
            'central no longer keeps delete records for it.',
        );
      }
      const { sites } = await client.call('sites:list');
      if (flags.json) return printJson(context, { sites });
      if (sites.length === 0) return context.out('No site is registered at central yet.');
      for (const line of renderSites(sites)) context.out(line);
    }),
  );
}

export function renderSites(sites: readonly SiteView[], now = Date.now()): string[] {
  return renderTable(
    [
      { header: 'INSTANCE', value: (s) => (s.self ? `${s.instanceId} (this site)` : s.instanceId) },
      { header: 'HOST', value: (s) => s.hostname, maxWidth: 30 },
      { header: 'DATABASE', value: (s) => s.db },
      { header: 'VERSION', value: (s) => s.version },
      { header: 'LAST SEEN', value: (s) => formatSince(s.lastSeen, now) },
      { header: 'DELETES KEPT FOR IT', value: (s) => (s.holdsTombstones ? 'yes' : '') },
    ],
    sites,
  );
}
