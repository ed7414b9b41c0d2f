import { spawn, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { isOutpostError, type OutpostError } from '../../sync/errors.js';
import { isProcessAlive, LOCK_FILE } from '../../sync/mongod/data-dir-lock.js';
import {
  createLocalAuth,
  createMongodSupervisor,
  loadLocalAuth,
  type MongodSupervisor,
  type MongodSupervisorOptions,
} from '../../sync/mongod/index.js';
import type { MongodState } from '../../sync/mongod/state.js';
import { findFreePort } from '../../sync/util/ports.js';
import { testDir } from '../harness/mongods.js';
import { recordPid } from '../harness/processes.js';

const binary = inject('mongo').binary;
const live: MongodSupervisor[] = [];

function supervisor(options: Partial<MongodSupervisorOptions> & { dbPath: string }) {
  const created = createMongodSupervisor({ binary, replSetName: 'site', ...options });
  created.onStateChange((state) => state.name === 'running' && recordPid(state.pid));
  live.push(created);
  return created;
}

async function expectStartError(target: MongodSupervisor, code: string): Promise<OutpostError> {
  const error = await target.start().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isOutpostError(error), `expected OutpostError ${code}, got ${String(error)}`).toBe(true);
  expect((error as OutpostError).code).toBe(code);
  expect(target.state.name).toBe('failed');
  return error as OutpostError;
}

async function withClient<T>(uri: string, work: (client: MongoClient) => Promise<T>): Promise<T> {
  // Generous: a mongod under Wine on a busy machine can take over ten seconds to listen.
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 30_000 });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** The server error code `work` fails with (undefined when it succeeds). */
async function refusal(work: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    if (error instanceof MongoServerError) return error.code as number;
    throw error;
  }
}

function processGroupOf(pid: number): number {
  const out = spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).stdout;
  return Number(out.trim());
}

afterEach(async () => {
  await Promise.allSettled(live.splice(0).map((s) => s.stop()));
});

describe('mongod supervisor on a real mongod', () => {
  it('starts a single-node replica set on loopback, restarts it after kill -9 with data intact, and stops cleanly', async () => {
    const dbPath = await testDir('sup-life');
    const target = supervisor({ dbPath, restart: { initialMs: 100, maxMs: 1_000 } });
    const states: MongodState['name'][] = [];
    target.onStateChange((state) => states.push(state.name));

    const first = await target.start();
    expect(first.uri).toBe(`mongodb://127.0.0.1:${first.port}/?replicaSet=site`);
    const hello = await withClient(first.uri, async (client) => {
      await client
        .db('shop')
        .collection('sales')
        .insertOne({ _id: 1 as never, total: 12.5 }, { writeConcern: { w: 'majority', j: true } });
      return client.db('admin').command({ hello: 1 });
    });
    expect(hello['isWritablePrimary']).toBe(true);
    expect(hello['setName']).toBe('site');
    expect((await target.health()).ok).toBe(true);

    const noticed = new Promise<void>((resolve) => {
      const off = target.onStateChange(
        (state) => state.name === 'restarting' && (off(), resolve()),
      );
    });
    process.kill(first.pid, 'SIGKILL');
    await noticed;
    const second = await target.waitUntilRunning(120_000);
    expect(second.pid).not.toBe(first.pid);
    expect(second.port).toBe(first.port);
    expect(states).toEqual(['starting', 'running', 'restarting', 'starting', 'running']);
    const health = await target.health();
    expect(health).toMatchObject({ ok: true, restarts: 1, recoveredUncleanShutdown: true });
    expect(health.lastExit?.signal).toBe('SIGKILL');
    const kept = await withClient(second.uri, (client) =>
      client
        .db('shop')
        .collection('sales')
        .findOne({ _id: 1 as never }),
    );
    expect(kept).toMatchObject({ total: 12.5 });

    await target.stop();
    expect(target.state.name).toBe('stopped');
    expect(isProcessAlive(second.pid)).toBe(false);
    // A clean shutdown empties mongod.lock; our own lock file is released.
    expect((await stat(path.join(dbPath, 'mongod.lock'))).size).toBe(0);
    await expect(stat(path.join(dbPath, LOCK_FILE))).rejects.toThrow();

    // Start again on the same directory: the replica set is reused, the data is there.
    const again = supervisor({ dbPath, port: second.port });
    const third = await again.start();
    const count = await withClient(third.uri, (client) =>
      client.db('shop').collection('sales').countDocuments(),
    );
    expect(count).toBe(1);
    expect((await again.health()).recoveredUncleanShutdown).toBe(false);
  });

  it('runs mongod in a process group of its own, and kills it when it does not stop in time', async () => {
    const dbPath = await testDir('sup-hung');
    const target = supervisor({ dbPath, stopTimeoutMs: 2_000 });
    const running = await target.start();
    if (process.platform !== 'win32') {
      // A terminal's Ctrl-C goes to the foreground group (ours), not to mongod's.
      expect(processGroupOf(running.pid)).toBe(running.pid);
      expect(processGroupOf(running.pid)).not.toBe(processGroupOf(process.pid));
    }
    // Hung: it answers neither the shutdown command nor anything else until killed.
    process.kill(running.pid, 'SIGSTOP');
    const started = Date.now();
    await target.stop();
    expect(target.state.name).toBe('stopped');
    expect(isProcessAlive(running.pid)).toBe(false);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('kills and restarts a mongod that stops answering while running (the watchdog)', async () => {
    const dbPath = await testDir('sup-watchdog');
    const target = supervisor({ dbPath, watchdog: { intervalMs: 500, failures: 3 } });
    const running = await target.start();
    const pids: number[] = [];
    target.onStateChange((state) => state.name === 'running' && pids.push(state.pid));
    // Hung: alive, its port open, answering nothing.
    process.kill(running.pid, 'SIGSTOP');
    const deadline = Date.now() + 60_000;
    while (pids.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    expect(pids.length, 'restarted after the missed pings').toBe(1);
    expect(pids[0]).not.toBe(running.pid);
    expect(isProcessAlive(running.pid)).toBe(false);
    expect((await target.health()).ok).toBe(true);
  });

  it('moves the replica-set member when the port changes between runs', async () => {
    const dbPath = await testDir('sup-port');
    const first = supervisor({ dbPath });
    await first.start();
    await first.stop();
    const port = await findFreePort();
    const moved = supervisor({ dbPath, port });
    const running = await moved.start();
    expect(running.port).toBe(port);
    const hello = await withClient(running.uri, (client) =>
      client.db('admin').command({ hello: 1 }),
    );
    expect(hello['isWritablePrimary']).toBe(true);
  });

  it('reports a missing binary, naming the path', async () => {
    const dbPath = await testDir('sup-missing');
    const error = await expectStartError(
      supervisor({ dbPath, binary: '/nonexistent/mongod' }),
      'MONGOD_BINARY_MISSING',
    );
    expect(error.message).toContain('/nonexistent/mongod');
  });

  it('reports a binary that is not executable, naming the path', async () => {
    const dbPath = await testDir('sup-noexec');
    const fake = path.join(dbPath, '..', `not-executable-${process.pid}`);
    await writeFile(fake, '#!/bin/sh\n', { mode: 0o644 });
    const error = await expectStartError(
      supervisor({ dbPath: path.join(dbPath, 'db'), binary: fake }),
      'MONGOD_BINARY_NOT_EXECUTABLE',
    );
    expect(error.message).toContain(fake);
  });

  it('reports a port in use, naming the port', async () => {
    const dbPath = await testDir('sup-port-used');
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const error = await expectStartError(supervisor({ dbPath, port }), 'PORT_IN_USE');
      expect(error.message).toContain(String(port));
    } finally {
      blocker.close();
    }
  });

  it('reports a data directory that is not writable, naming the path', async () => {
    const base = await testDir('sup-unwritable');
    const file = path.join(base, 'a-file');
    await writeFile(file, 'not a directory');
    const dbPath = path.join(file, 'db');
    const error = await expectStartError(supervisor({ dbPath }), 'DATA_DIR_NOT_WRITABLE');
    expect(error.message).toContain(dbPath);
  });

  it('reports a data directory holding a replica set of another name', async () => {
    const dbPath = await testDir('sup-rsname');
    const alpha = supervisor({ dbPath, replSetName: 'alpha' });
    await alpha.start();
    await alpha.stop();
    const error = await expectStartError(
      supervisor({ dbPath, replSetName: 'beta' }),
      'REPLSET_NAME_MISMATCH',
    );
    expect(error.message).toContain('"alpha"');
    expect(error.message).toContain(dbPath);
  });

  it('reports mongod exiting during start-up with its own last error lines', async () => {
    const dbPath = await testDir('sup-badarg');
    const error = await expectStartError(
      supervisor({ dbPath, extraArgs: ['--setParameter', 'outpostNoSuchParameter=1'] }),
      'MONGOD_EXITED_DURING_START',
    );
    const lastLines = (error.details?.['lastLines'] ?? []) as string[];
    expect(lastLines.join('\n')).toContain('outpostNoSuchParameter');
    expect(error.message).toContain(dbPath);
  });

  it('refuses a second supervisor on the same data directory', async () => {
    const dbPath = await testDir('sup-shared');
    const owner = supervisor({ dbPath });
    const running = await owner.start();
    const error = await expectStartError(supervisor({ dbPath }), 'DATA_DIR_LOCKED');
    expect(error.message).toContain(dbPath);
    expect(error.message).toContain(String(running.port));
    // The owner is untouched.
    expect((await owner.health()).ok).toBe(true);
  });

  it('reports a data directory locked by a mongod it did not start', async () => {
    const dbPath = await testDir('sup-foreign');
    const port = await findFreePort();
    const foreign = spawn(
      binary,
      ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1'],
      { stdio: 'ignore' },
    );
    if (foreign.pid) recordPid(foreign.pid);
    try {
      await withClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, (client) =>
        client.db('admin').command({ ping: 1 }),
      );
      const error = await expectStartError(supervisor({ dbPath }), 'DATA_DIR_LOCKED');
      expect(error.message).toContain(dbPath);
    } finally {
      foreign.kill('SIGKILL');
    }
  });

  it('stops a mongod orphaned by an Outpost that died, then starts its own', async () => {
    const dbPath = await testDir('sup-orphan');
    const port = await findFreePort();
    const orphan = spawn(
      binary,
      ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--replSet', 'site'],
      { stdio: 'ignore' },
    );
    if (orphan.pid) recordPid(orphan.pid);
    await withClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, (client) =>
      client.db('admin').command({ ping: 1 }),
    );
    // The lock file as a killed Outpost leaves it: a dead supervisor pid, a live mongod.
    const hostname = (await import('node:os')).hostname();
    await writeFile(
      path.join(dbPath, LOCK_FILE),
      JSON.stringify({
        supervisorPid: 2 ** 22 - 7,
        token: 'x',
        hostname,
        port,
        mongodPid: orphan.pid,
      }),
    );
    const target = supervisor({ dbPath, port });
    const running = await target.start();
    expect(running.pid).not.toBe(orphan.pid);
    expect(isProcessAlive(orphan.pid!)).toBe(false);
    expect(JSON.parse(await readFile(path.join(dbPath, LOCK_FILE), 'utf8'))).toMatchObject({
      mongodPid: running.pid,
    });
  });
});

/**
 * Access control (sync/mongod/local-auth.ts): users made through the localhost exception on a new
 * data directory and on one made before, the POS user's rights, restarts, and stored passwords
 * that are not the data directory's.
 */
describe('access control on the site mongod', () => {
  it('makes both users on a new data directory: the POS reads, writes and watches; no password, no access', async () => {
    const dir = await testDir('auth-new');
    const auth = await createLocalAuth(dir);
    expect(await loadLocalAuth(dir)).toEqual(auth);
    const target = supervisor({ dbPath: `${dir}/mongod`, auth });
    const running = await target.start();
    expect(running.uri).toBe(
      `mongodb://pos:${auth.app.password}@127.0.0.1:${running.port}/?replicaSet=site&authSource=admin`,
    );
    expect(running.engineUri).toContain(`outpost:${auth.admin.password}@`);

    await withClient(running.uri, async (pos) => {
      const sales = pos.db('shop').collection('sales');
      await sales.insertOne({ _id: 'sale-1' as never, total: 3 });
      const session = pos.startSession();
      try {
        await session.withTransaction(async () => {
          await sales.insertOne({ _id: 'sale-2' as never, total: 4 }, { session });
        });
      } finally {
        await session.endSession();
      }
      const stream = sales.watch();
      await stream.tryNext();
      await stream.close();
      expect(await sales.countDocuments()).toBe(2);
      // What the POS may not do: manage users or the server.
      expect(
        await refusal(() =>
          pos.db('admin').command({ createUser: 'x', pwd: 'y'.repeat(20), roles: [] }),
        ),
      ).toBe(13);
      expect(await refusal(() => pos.db('admin').command({ replSetGetConfig: 1 }))).toBe(13);
    });
    const anonymous = `mongodb://127.0.0.1:${running.port}/?directConnection=true`;
    await withClient(anonymous, async (client) => {
      expect(await refusal(() => client.db('shop').collection('sales').findOne({}))).toBe(13);
      expect(
        await refusal(() =>
          client
            .db('admin')
            .command({ createUser: 'intruder', pwd: 'z'.repeat(20), roles: ['root'] }),
        ),
      ).toBe(13);
    });
    await withClient(running.uri.replace(auth.app.password, 'wrong-password-0000'), (client) =>
      expect(client.db('shop').collection('sales').findOne({})).rejects.toMatchObject({
        code: 18,
      }),
    );
    expect((await target.health()).ok).toBe(true);

    // A restart signs in with the users made the first time.
    await target.stop();
    const again = await target.start();
    expect(again.uri).toBe(running.uri.replace(`:${running.port}/`, `:${again.port}/`));
    await withClient(again.engineUri, async (engine) => {
      expect(await engine.db('shop').collection('sales').countDocuments()).toBe(2);
      const users = await engine.db('admin').command({ usersInfo: 1 });
      expect((users['users'] as { user: string }[]).map((u) => u.user).sort()).toEqual([
        'outpost',
        'pos',
      ]);
    });
  });

  it('protects a data directory made without access control, keeping its data', async () => {
    const dir = await testDir('auth-upgrade');
    const dbPath = `${dir}/mongod`;
    const open = supervisor({ dbPath });
    const before = await open.start();
    await withClient(before.uri, (client) =>
      client
        .db('shop')
        .collection('sales')
        .insertOne({ _id: 'old-sale' as never, total: 9 }),
    );
    await open.stop();

    const auth = await createLocalAuth(dir);
    const target = supervisor({ dbPath, auth });
    const running = await target.start();
    await withClient(running.uri, async (pos) => {
      expect(await pos.db('shop').collection('sales').findOne({})).toEqual({
        _id: 'old-sale',
        total: 9,
      });
    });
    await withClient(`mongodb://127.0.0.1:${running.port}/?directConnection=true`, async (c) =>
      expect(await refusal(() => c.db('shop').collection('sales').findOne({}))).toBe(13),
    );
  });

  it('refuses stored passwords that are not the data directory’s, naming the fix', async () => {
    const dir = await testDir('auth-mismatch');
    const dbPath = `${dir}/mongod`;
    const first = supervisor({ dbPath, auth: await createLocalAuth(dir) });
    await first.start();
    await first.stop();

    // local-auth.json replaced (lost, then made again): mongod keeps the users of the first.
    const target = supervisor({ dbPath, auth: await createLocalAuth(dir) });
    const error = await expectStartError(target, 'LOCAL_AUTH_MISMATCH');
    expect(error.message).toContain(dbPath);
    expect(error.message).toContain('local-auth.json');
  });
});
