import { defineConfig } from 'vitest/config';

const HEAVY = [
  'test/integration/conflicts-property.test.ts',
  'test/integration/engine-convergence.test.ts',
  'test/integration/chaos.test.ts',
  'test/integration/engine-bootstrap.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'sync/**/*.test.ts',
            'electron/**/*.test.ts',
            'renderer/**/*.test.{ts,tsx}',
            'test/unit/**/*.test.ts',
          ],
          environment: 'node',
          // Unit tests first, then the real-mongod suite with its own worker limit.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: HEAVY,
          globalSetup: ['test/harness/global-setup.ts'],
          environment: 'node',
          // Real mongods under Wine on 2 cores: generous timeouts, files in parallel but bounded.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          pool: 'forks',
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Multi-site scenarios (property, convergence, chaos, 100k bootstrap): after the others,
          // one file at a time, so their timing is not fought over by other suites on 2 cores.
          name: 'integration-heavy',
          include: HEAVY,
          globalSetup: ['test/harness/global-setup.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          pool: 'forks',
          sequence: { groupOrder: 2 },
        },
      },
    ],
    passWithNoTests: false,
  },
});
