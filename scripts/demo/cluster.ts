/**
 * The demo's processes: one central mongod (a replica set run by the supervisor, as a stand-in
 * for Atlas or a company cluster) and two sites started exactly as `outpost serve` starts them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig, type ConfigPatch } from '../../sync/config/index.js';
import type { Logger } from '../../sync/logging/logger.js';
import { createMongodSupervisor, type MongodSupervisor } from '../../sync/mongod/index.js';
import { startOutpost, type OutpostInstance } from '../../sync/api/serve.js';
import { findFreePort, isPortFree } from '../../sync/util/ports.js';

export const DB = 'pos';
/** Collections created before any traffic (see PRECREATED in test/harness/sync-cluster.ts). */
export const COLLECTIONS = ['sales', 'products', 'stock'] as const;
const CENTRAL_ONLY = ['outpost_sites', 'outpost_tombstones', 'outpost_central'];

/** What each site syncs: the rules an operator would put in its outpost.json. */
export const POS_RULES: ConfigPatch['databases'] = [
  {
    name: DB,
    collections: {
      // A site pushes its sales and receives only its own and global ones (no siteId).
      sales: { direction: 'both', scope: { field: 'siteId' } },
      // Catalogue and prices come from head office.
      products: { direction: 'pull' },
      // Shared stock levels, decremented at every site.
      stock: { direction: 'both', counters: ['qty'] },
    },
  },
];

/** Restarts of a mongod by its supervisor (after a crash or a kill), shown in the status lines. */
export interface Restarts {
  count: number;
}

function countRestarts(supervisor: MongodSupervisor): Restarts {
  const restarts = { count: 0 };
  supervisor.onStateChange((state) => {
    if (state.name === 'restarting') restarts.count += 1;
  });
  return restarts;
}

export interface Central {
  supervisor: MongodSupervisor;
  restarts: Restarts;
  uri: string;
  client: MongoClient;
  db: Db;
}

export interface Site {
  name: string;
  restarts: Restarts;
  siteId: string;
  instance: OutpostInstance;
  /** A client of the site's mongod, as the POS software would hold. */
  pos: MongoClient;
  db: Db;
}

/** A port from the preferred one up, or any free one: the demo must not fail on a busy port. */
export async function pickPort(preferred: number): Promise<number> {
  return (await isPortFree(preferred)) ? preferred : findFreePort();
}

export async function startCentral(
  root: string,
  binary: string,
  port: number,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  onPid: (pid: number) => void,
): Promise<Central> {
  const dir = path.join(root, 'central');
  await mkdir(dir, { recursive: true });
  const supervisor = createMongodSupervisor({
    binary,
    dbPath: path.join(dir, 'db'),
    port,
    replSetName: 'central',
    logFile: path.join(dir, 'mongod.log'),
    logger,
    env,
  });
  supervisor.onStateChange((state) => state.name === 'running' && onPid(state.pid));
  const restarts = countRestarts(supervisor);
  const running = await supervisor.start();
  const client = new MongoClient(running.uri);
  const db = client.db(DB);
  await precreate(db, [...COLLECTIONS, ...CENTRAL_ONLY]);
  return { supervisor, restarts, uri: running.uri, client, db };
}

export async function startSite(options: {
  root: string;
  name: string;
  port: number;
  centralUri: string;
  binary: string;
  env: NodeJS.ProcessEnv;
  onPid: (pid: number) => void;
}): Promise<Site> {
  const config = await loadConfig({
    env: {},
    overrides: {
      dataDir: path.join(options.root, options.name),
      central: { uri: options.centralUri },
      local: { port: options.port },
      siteId: options.name,
      databases: POS_RULES,
      // Two sites on one machine: each API on a free port (printed), not both on the default.
      api: { port: 0 },
      // A little faster than the defaults, so that a short demo shows several rounds.
      sync: { pushIntervalMs: 100, backoff: { initialMs: 200, maxMs: 5_000 } },
    },
  });
  const instance = await startOutpost({
    config,
    env: options.env,
    mongodBinary: options.binary,
    prepareLocal: (local) => precreate(local.db(DB), [...COLLECTIONS]),
  });
  const state = instance.supervisor.state;
  if (state.name === 'running') options.onPid(state.pid);
  instance.supervisor.onStateChange((next) => next.name === 'running' && options.onPid(next.pid));
  const pos = new MongoClient(instance.localUri);
  const restarts = countRestarts(instance.supervisor);
  return { name: options.name, restarts, siteId: options.name, instance, pos, db: pos.db(DB) };
}

async function precreate(db: Db, names: readonly string[]): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const name of names) if (!existing.has(name)) await db.createCollection(name);
}

/**
 * mongod process ids of the running demo, so that a demo killed without its clean stop does not
 * leave mongods behind: the next run (or the launcher's forced exit) kills them.
 */
export class PidFile {
  constructor(private readonly file: string) {}

  add(pid: number): void {
    writeFileSync(this.file, JSON.stringify([...new Set([...this.read(), pid])]));
  }

  /** Kills the recorded processes that are still mongods; returns how many. */
  killLeftovers(): number {
    let killed = 0;
    for (const pid of this.read()) {
      if (!isMongod(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // gone in the meantime
      }
    }
    this.clear();
    return killed;
  }

  clear(): void {
    if (existsSync(this.file)) writeFileSync(this.file, '[]');
  }

  private read(): number[] {
    try {
      return (JSON.parse(readFileSync(this.file, 'utf8')) as unknown[]).filter(
        (pid): pid is number => Number.isInteger(pid),
      );
    } catch {
      return [];
    }
  }
}

/** A recycled pid may belong to something else by now: only kill what is still a mongod. */
function isMongod(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('mongod');
  } catch {
    return false;
  }
}
