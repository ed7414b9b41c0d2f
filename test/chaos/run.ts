/** `npm run chaos`: the long chaos run (bounded by --runs and --seconds, seeded). */
import { parseArgs } from 'node:util';
import { providedMongod } from '../harness/provision.js';
import { killEngineProcesses, runChaos } from './chaos.js';
import { diskFullAtSite, diskFullUnavailable, type DiskFullReport } from './disk-full.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '60' },
    'disk-full': { type: 'boolean', default: true },
  },
});
// Interrupted (Ctrl-C, or a time limit), the engine processes go too: nothing else would end them.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killEngineProcesses();
    process.exit(130);
  });
const report = await runChaos({
  seed: Number(values.seed),
  runs: Number(values.runs),
  seconds: Number(values.seconds),
  log: (line) => process.stderr.write(`[chaos] ${line}\n`),
});
// The full disk at a site: its own mongod on a small filesystem (root only, to mount it).
const unavailable = values['disk-full'] ? diskFullUnavailable() : 'not asked (--no-disk-full)';
let diskFull: DiskFullReport | undefined;
if (!unavailable) {
  process.stderr.write('[chaos] full disk at a site...\n');
  diskFull = await diskFullAtSite((await providedMongod()).path, async (what, check, ms) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
}
const diskFullOk =
  !diskFull ||
  (diskFull.error?.code === 'DATA_DIR_FULL' &&
    diskFull.error.message.includes(diskFull.dataDir) &&
    diskFull.stateWhileFull !== 'failed' &&
    diskFull.intact === diskFull.acknowledged &&
    diskFull.valid);
process.stdout.write(
  `${JSON.stringify({ ...report, diskFull: diskFull ?? { skipped: unavailable } }, null, 2)}\n`,
);
process.stdout.write(
  `runs ${report.runs}, faults ${JSON.stringify(report.faults)}, documents checked ${report.documentsChecked}, losses: ${report.losses}\n`,
);
process.stdout.write(
  diskFull
    ? `full disk at a site: ${diskFull.error?.code ?? 'no error reported'} (${diskFull.error?.message ?? ''}); ${diskFull.acknowledged} of ${diskFull.attempted} sales acknowledged, ${diskFull.intact} intact, validate ${diskFull.valid ? 'ok' : 'FAILED'}\n`
    : `full disk at a site: skipped (${unavailable})\n`,
);
process.exit(report.losses === 0 && report.converged.every(Boolean) && diskFullOk ? 0 : 1);
