/** `npm run chaos`: the long chaos run (bounded by --runs and --seconds, seeded). */
import { parseArgs } from 'node:util';
import { providedMongod } from '../harness/provision.js';
import { killEngineProcesses, runChaos } from './chaos.js';
import {
  diskFullAtSite,
  diskFullFindings,
  diskFullUnavailable,
  type DiskFullReport,
} from './disk-full.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '60' },
    // Node 20's parseArgs has no negated booleans: the flag is named as it is typed.
    'no-disk-full': { type: 'boolean', default: false },
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
const unavailable = values['no-disk-full'] ? 'not asked (--no-disk-full)' : diskFullUnavailable();
let diskFull: DiskFullReport | undefined;
if (!unavailable) {
  process.stderr.write('[chaos] full disk at a site...\n');
  diskFull = await diskFullAtSite((await providedMongod()).path);
}
const findings = diskFull ? diskFullFindings(diskFull) : [];
process.stdout.write(
  `${JSON.stringify({ ...report, diskFull: diskFull ?? { skipped: unavailable } }, null, 2)}\n`,
);
process.stdout.write(
  `runs ${report.runs}, faults ${JSON.stringify(report.faults)}, documents checked ${report.documentsChecked}, losses: ${report.losses}\n`,
);
process.stdout.write(
  diskFull
    ? `full disk at a site: ${diskFull.error?.code ?? 'no error reported'} (${diskFull.error?.message ?? ''}); ${diskFull.acknowledged} of ${diskFull.attempted} sales acknowledged, ${diskFull.intact} intact, validate ${diskFull.valid ? 'ok' : 'FAILED'}${findings.length > 0 ? `; WRONG: ${findings.join('; ')}` : ''}\n`
    : `full disk at a site: skipped (${unavailable})\n`,
);
process.exit(
  report.losses === 0 && report.converged.every(Boolean) && findings.length === 0 ? 0 : 1,
);
