/**
 * A full disk at a site (test/chaos/disk-full.ts): the supervisor reports DATA_DIR_FULL naming
 * the directory and keeps retrying; every acknowledged write is intact and the collection
 * validates (no corruption).
 */
import { describe, expect, inject, it } from 'vitest';
import { diskFullAtSite, diskFullUnavailable } from '../chaos/disk-full.js';

const skipReason = diskFullUnavailable();

describe('full disk at a site', () => {
  it.skipIf(skipReason !== undefined)(
    `reports DATA_DIR_FULL, keeps retrying, loses and corrupts nothing${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    async () => {
      const report = await diskFullAtSite(inject('mongo').binary);
      expect(report.acknowledged).toBeGreaterThan(0);
      expect(report.acknowledged, 'the disk filled before every write').toBeLessThan(
        report.attempted,
      );
      expect(report.error?.code).toBe('DATA_DIR_FULL');
      expect(report.error?.message, 'the error names the directory').toContain(report.dataDir);
      expect(['restarting', 'starting']).toContain(report.stateWhileFull); // not given up
      expect(report.intact).toBe(report.acknowledged);
      expect(report.valid).toBe(true);
    },
    600_000,
  );
});
