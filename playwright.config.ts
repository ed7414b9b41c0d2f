/**
 * End-to-end tests of the UI against real instances: `outpost serve`'s parts (startOutpost, real
 * mongods) in Chromium, and the same specs against the Electron app when an Electron binary is
 * present (the `electron` project skips each test, saying so, when it is not).
 * Run: `npm run test:e2e` (builds the UI first, in the global setup).
 */
import { defineConfig } from '@playwright/test';
import type { TargetOptions } from './test/e2e/support/fixtures.js';

/** Debian's chromium (ENVIRONMENT.md): never `npx playwright install`. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export default defineConfig<TargetOptions>({
  testDir: 'test/e2e',
  testMatch: '*.spec.ts',
  globalSetup: './test/e2e/support/global-setup.ts',
  // Playwright empties its output directory at start: keep it apart from vitest's results and
  // the screenshots the specs save under test-results/screenshots/.
  outputDir: 'test-results/e2e-artifacts',
  // Each test starts its own instances (mongod under Wine takes seconds): one at a time on 2 cores.
  workers: 1,
  fullyParallel: false,
  timeout: 150_000,
  expect: { timeout: 30_000 },
  retries: 0,
  forbidOnly: !!process.env['CI'],
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    viewport: { width: 1100, height: 800 },
    actionTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        target: 'browser',
        browserName: 'chromium',
        headless: true,
        launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
      },
    },
    { name: 'electron', use: { target: 'electron' } },
  ],
});
