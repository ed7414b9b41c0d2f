/**
 * Access control on the site's mongod (sync/mongod/local-auth.ts) against a real mongod: users
 * made through the localhost exception on a new data directory and on one made before, the POS
 * user's rights, restarts, and stored passwords that are not the data directory's.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { isOutpostError, type OutpostError } from '../../sync/errors.js';
import {
  createLocalAuth,
  createMongodSupervisor,
  loadLocalAuth,
  type LocalAuth,
  type MongodSupervisor,
} from '../../sync/mongod/index.js';
import { testDir } from '../harness/mongods.js';
import { recordPid } from '../harness/processes.js';

const binary = inject('mongo').binary;
const live: MongodSupervisor[] = [];

function supervisor(dbPath: string, auth?: LocalAuth) {
  const created = createMongodSupervisor({ binary, dbPath, replSetName: 'site', auth });
  created.onStateChange((state) => state.name === 'running' && recordPid(state.pid));
  live.push(created);
  return created;
}

async function withClient<T>(uri: string, work: (client: MongoClient) => Promise<T>): Promise<T> {
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

afterEach(async () => {
  await Promise.allSettled(live.splice(0).map((s) => s.stop()));
});

describe('access control on the site mongod', () => {
  it('makes both users on a new data directory: the POS reads, writes and watches; no password, no access', async () => {
    const dir = await testDir('auth-new');
    const auth = await createLocalAuth(dir);
    expect(await loadLocalAuth(dir)).toEqual(auth);
    const target = supervisor(`${dir}/mongod`, auth);
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
    const open = supervisor(dbPath);
    const before = await open.start();
    await withClient(before.uri, (client) =>
      client
        .db('shop')
        .collection('sales')
        .insertOne({ _id: 'old-sale' as never, total: 9 }),
    );
    await open.stop();

    const auth = await createLocalAuth(dir);
    const target = supervisor(dbPath, auth);
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
    const first = supervisor(dbPath, await createLocalAuth(dir));
    await first.start();
    await first.stop();

    // local-auth.json replaced (lost, then made again): mongod keeps the users of the first.
    const target = supervisor(dbPath, await createLocalAuth(dir));
    const error = await target.start().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isOutpostError(error), String(error)).toBe(true);
    expect((error as OutpostError).code).toBe('LOCAL_AUTH_MISMATCH');
    expect((error as OutpostError).message).toContain(dbPath);
    expect((error as OutpostError).message).toContain('local-auth.json');
    expect(target.state.name).toBe('failed');
  });
});
