/**
 * The fixtures every spec uses: `cluster` gives the test its central database and starts sites
 * (each with its own data directory), whichever target the project runs (`browser`: Chromium
 * against the headless instance's UI; `electron`: the app, when a binary exists here).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { MongoClient, type Db } from 'mongodb';
import { uniqueDbName } from '../../harness/db-names.js';
import { REPO_ROOT } from '../../harness/provision.js';
import { electronBinary, electronMain, electronSkipReason } from './electron-target.js';
import { CENTRAL_ENV, MONGOD_ENV } from './global-setup.js';
import { COLLECTIONS, startSite, type Launcher, type Site, type SiteOptions } from './sites.js';

export interface TargetOptions {
  target: 'browser' | 'electron';
}

export interface Cluster {
  dbName: string;
  /** The test's database at central (head office's view). */
  central: Db;
  startSite(name: string, options?: SiteOptions): Promise<Site>;
}

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

export const test = base.extend<
  { cluster: Cluster; shoot: (page: Page, name: string) => Promise<void> },
  TargetOptions & { uiBrowser: Browser | undefined }
>({
  target: ['browser', { option: true, scope: 'worker' }],

  // Launched here rather than through Playwright's `browser` fixture, so that the Electron
  // project never starts a browser it does not use.
  uiBrowser: [
    async ({ target, playwright, launchOptions, headless }, use) => {
      if (target !== 'browser') return use(undefined);
      const browser = await playwright.chromium.launch({ ...launchOptions, headless });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],

  cluster: async ({ target, uiBrowser, playwright }, use, testInfo) => {
    if (target === 'electron') {
      const reason = electronSkipReason();
      testInfo.skip(reason !== undefined, reason);
    }
    const centralUri = process.env[CENTRAL_ENV];
    const mongodBinary = process.env[MONGOD_ENV];
    if (!centralUri || !mongodBinary) throw new Error('The e2e global setup did not run.');
    const launcher: Launcher =
      target === 'browser'
        ? { target, browser: uiBrowser! }
        : {
            target,
            launch: async (dataDir, config) => {
              // The shell keeps its settings in electron-store (<userData>/settings.json, key
              // "config"), not in a config file: seed them in a user data directory of its own.
              const userData = path.join(dataDir, 'electron-user');
              await mkdir(userData, { recursive: true });
              await writeFile(
                path.join(userData, 'settings.json'),
                JSON.stringify({
                  config: { ...config, local: { ...config.local, mongodPath: mongodBinary } },
                }),
              );
              const app = await playwright._electron.launch({
                executablePath: electronBinary(),
                args: [electronMain(), `--user-data-dir=${userData}`],
                cwd: REPO_ROOT,
                env: {
                  ...process.env,
                  OUTPOST_DATA_DIR: dataDir,
                  OUTPOST_MONGOD_PATH: mongodBinary,
                },
              });
              return { app, page: await app.firstWindow() };
            },
          };
    const dbName = uniqueDbName(`e2e_${testInfo.title.slice(0, 12)}`);
    const client = new MongoClient(centralUri);
    const central = client.db(dbName);
    for (const coll of COLLECTIONS) await central.createCollection(coll);
    const sites: Site[] = [];
    await use({
      dbName,
      central,
      async startSite(name, options = {}) {
        const site = await startSite({
          name,
          dbName,
          centralUri,
          mongodBinary,
          options,
          launcher,
        });
        sites.push(site);
        return site;
      },
    });
    await Promise.allSettled(sites.map((site) => site.stop()));
    await central.dropDatabase().catch(() => undefined);
    await client.close();
    // A failed test keeps its sites' data directories (logs) for a look.
    if (testInfo.status === testInfo.expectedStatus)
      await Promise.all(sites.map((site) => rm(site.dataDir, { recursive: true, force: true })));
    else
      for (const site of sites)
        testInfo.annotations.push({ type: 'data dir', description: site.dataDir });
  },

  shoot: async ({ target }, use) => {
    await use(async (page, name) => {
      const prefix = target === 'electron' ? 'electron-' : '';
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `${prefix}${name}.png`),
        fullPage: true,
      });
    });
  },
});

export { expect };
