import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/chaos.js';

describe('chaos (short run; `npm run chaos` for the long one)', () => {
  // Progress goes to stderr with elapsed times, so that a slow run shows where it spent them.
  it('loses nothing and converges while engines and mongods are killed and faults injected', async () => {
    const report = await runChaos({
      seed: Number(process.env['OUTPOST_SEED'] ?? 11),
      runs: 1,
      seconds: 25,
      log: (line) => process.stderr.write(`[chaos] ${line}\n`),
    });
    expect(report.mismatches).toEqual([]);
    expect(report.losses).toBe(0);
    expect(report.converged).toEqual([true]);
    expect(report.documentsChecked).toBeGreaterThan(50);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(2);
  }, 600_000);
});
