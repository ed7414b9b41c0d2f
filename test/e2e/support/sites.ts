/**
 * A site for one e2e test: its own data directory, config, local mongod and sync engine (the
 * parts `outpost serve` runs, through startOutpost), central reached through a TcpProxy so the
 * test can cut it, and a page showing its UI. In the Electron target the app itself is the site.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import type { Browser, ElectronApplication, Page } from '@playwright/test';
import { startOutpost, type OutpostInstance } from '../../../sync/api/serve.js';
import { loadConfig, type ConfigFileInput } from '../../../sync/config/index.js';
import { findFreePort } from '../../../sync/util/ports.js';
import { testDir } from '../../harness/mongods.js';
import { recordPid } from '../../harness/processes.js';
import { TcpProxy } from '../../harness/tcp-proxy.js';

/** Collections created before anything writes (see PRECREATED in the cluster harness: Wine). */
export const COLLECTIONS = ['sales', 'orders'] as const;

export interface SiteOptions {
  /** Per-collection rules, e.g. `{ orders: { strategy: 'manual' } }`. */
  collections?: NonNullable<ConfigFileInput['databases']>[number]['collections'];
  /** Collections never synced. */
  exclude?: string[];
}

export interface Site {
  name: string;
  page: Page;
  /** The connection string the POS software uses. */
  localUri: string;
  /** The synced database, as the POS software sees it. */
  db: Db;
  /** Central as this site reaches it: `cut()` makes it unreachable for this site only. */
  proxy: TcpProxy;
  dataDir: string;
  /** Only in the browser target: the running parts. */
  instance: OutpostInstance | undefined;
  /** A fresh one-time sign-in link (browser target). */
  loginUrl(): string;
  stop(): Promise<void>;
}

export type Launcher =
  | { target: 'browser'; browser: Browser }
  | {
      target: 'electron';
      /** Starts the app on `dataDir` with `config` as its stored settings. */
      launch: (
        dataDir: string,
        config: ConfigFileInput,
      ) => Promise<{ app: ElectronApplication; page: Page }>;
    };

export interface StartSiteArgs {
  name: string;
  dbName: string;
  centralUri: string;
  mongodBinary: string;
  options: SiteOptions;
  launcher: Launcher;
}

/** Fast settings: tests cross the same paths as production, sooner. */
function siteConfig(args: StartSiteArgs, dataDir: string, proxyPort: number, localPort: number) {
  return {
    dataDir,
    central: { uri: `mongodb://127.0.0.1:${proxyPort}/?directConnection=true` },
    local: { port: localPort },
    api: { port: 0 },
    log: { level: 'warn' },
    siteId: args.name,
    databases: [{ name: args.dbName, collections: args.options.collections ?? {} }],
    exclude: args.options.exclude ?? [],
    sync: { pushIntervalMs: 50, offlineAfterMs: 1_000, backoff: { initialMs: 100, maxMs: 1_000 } },
    health: { centralDownFailMs: 5_000 },
    alerts: { intervalMs: 1_000 },
  } satisfies ConfigFileInput;
}

export async function startSite(args: StartSiteArgs): Promise<Site> {
  const dataDir = await testDir(`e2e-${args.name}`);
  const proxy = new TcpProxy(Number(new URL(args.centralUri).port));
  const proxyPort = await proxy.start();
  const configFile = path.join(dataDir, 'outpost.json');
  const fileConfig = siteConfig(args, dataDir, proxyPort, await findFreePort());
  await writeFile(configFile, `${JSON.stringify(fileConfig, null, 2)}\n`);
  const cleanup: (() => Promise<unknown>)[] = [() => proxy.stop()];
  const stop = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    if (args.launcher.target === 'electron') {
      const { app, page } = await args.launcher.launch(dataDir, fileConfig);
      cleanup.push(() => app.close());
      const info = await page.evaluate(() =>
        (
          globalThis as unknown as {
            outpost: { invoke(name: string, args?: unknown): Promise<{ localUri: string }> };
          }
        ).outpost.invoke('app:get-info'),
      );
      const pos = new MongoClient(info.localUri);
      cleanup.push(() => pos.close());
      return {
        name: args.name,
        page,
        localUri: info.localUri,
        db: pos.db(args.dbName),
        proxy,
        dataDir,
        instance: undefined,
        loginUrl: () => {
          throw new Error('The Electron app needs no sign-in link.');
        },
        stop,
      };
    }
    const config = await loadConfig({ file: configFile });
    const instance = await startOutpost({
      config,
      configFile,
      mongodBinary: args.mongodBinary,
      machineId: () => `e2e-machine-${args.name}-${path.basename(dataDir)}`,
      prepareLocal: async (local) => {
        const db = local.db(args.dbName);
        const existing = new Set((await db.listCollections().toArray()).map((c) => c.name));
        for (const coll of COLLECTIONS) if (!existing.has(coll)) await db.createCollection(coll);
      },
    });
    cleanup.push(() => instance.stop());
    const state = instance.supervisor.state;
    if (state.name === 'running') recordPid(state.pid);
    if (!instance.api.ui) throw new Error('The UI is not built: run "npm run build:ui".');
    const context = await args.launcher.browser.newContext();
    cleanup.push(() => context.close());
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: instance.api.url,
    });
    const page = await context.newPage();
    await page.goto(instance.api.loginUrl());
    const pos = new MongoClient(instance.localUri);
    cleanup.push(() => pos.close());
    return {
      name: args.name,
      page,
      localUri: instance.localUri,
      db: pos.db(args.dbName),
      proxy,
      dataDir,
      instance,
      loginUrl: () => instance.api.loginUrl(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
