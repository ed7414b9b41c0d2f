import { MongoClient, MongoServerError } from 'mongodb';
import { sleep } from '../util/backoff.js';
import { ErrorCode, OutpostError } from '../errors.js';
import { withCredential, type LocalCredential } from './local-auth.js';

export function localUri(port: number, replSetName?: string): string {
  return replSetName
    ? `mongodb://127.0.0.1:${port}/?replicaSet=${encodeURIComponent(replSetName)}`
    : `mongodb://127.0.0.1:${port}/?directConnection=true`;
}

/** A direct client of the mongod on `port`, signed in as `credential` when given. */
export function adminClient(port: number, credential?: LocalCredential): MongoClient {
  return new MongoClient(withCredential(localUri(port), credential), {
    serverSelectionTimeoutMS: 2_000,
    connectTimeoutMS: 2_000,
    // Health checks go through this client; they must not queue behind a dead socket.
    maxPoolSize: 2,
  });
}

/**
 * Connects once mongod answers a ping, or returns undefined when `signal` aborts (the process
 * exited). Each attempt uses a new client: after a failed first connect the driver closes the
 * topology and every later command on that client fails with MongoTopologyClosedError.
 */
export async function connectWhenUp(
  port: number,
  deadline: number,
  signal: AbortSignal,
): Promise<MongoClient | undefined> {
  let lastError: unknown;
  while (Date.now() < deadline && !signal.aborted) {
    const client = adminClient(port);
    try {
      await client.db('admin').command({ ping: 1 });
      return client;
    } catch (error) {
      lastError = error;
      await client.close(true).catch(() => undefined);
      await sleep(250, signal);
    }
  }
  if (signal.aborted) return undefined;
  throw new OutpostError(
    ErrorCode.MongodStartTimeout,
    `mongod on port ${port} did not answer within the start timeout.`,
    {
      cause: lastError,
      details: { port },
    },
  );
}

export type ReplSetOutcome = 'initiated' | 'reused' | 'reconfigured';

/**
 * Makes this mongod a single-node replica set named `name` reachable at 127.0.0.1:port.
 * Never calls serverStatus before the set is initiated: under Wine that crashes mongod 7.0.
 */
export async function ensureReplicaSet(
  client: MongoClient,
  name: string,
  port: number,
  dbPath: string,
): Promise<ReplSetOutcome> {
  const admin = client.db('admin');
  const host = `127.0.0.1:${port}`;
  try {
    await admin.command({ replSetGetStatus: 1 });
    return 'reused';
  } catch (error) {
    if (!(error instanceof MongoServerError)) throw error;
    if (error.code === 94 /* NotYetInitialized */) {
      await admin.command({ replSetInitiate: { _id: name, members: [{ _id: 0, host }] } });
      return 'initiated';
    }
    if (error.code !== 93 /* InvalidReplicaSetConfig */) throw error;
  }
  // A config exists but this node is not in it: another set name, or the port changed.
  const stored = await client
    .db('local')
    .collection<{ _id: string; version: number; members: { _id: number; host: string }[] }>(
      'system.replset',
    )
    .findOne({})
    .catch((error: unknown) => {
      // Access control on and no user yet (local-auth.ts): the localhost exception does not let
      // us read the stored config, but does allow the forced reconfig below, which mongod
      // refuses for another set name.
      if (error instanceof MongoServerError && error.code === 13 /* Unauthorized */)
        return undefined;
      throw error;
    });
  if (stored === null)
    throw new Error('replSetGetStatus reported an invalid config but none is stored');
  if (stored && stored._id !== name) {
    throw new OutpostError(
      ErrorCode.ReplSetNameMismatch,
      `The data directory ${dbPath} holds replica set "${stored._id}", not "${name}". ` +
        `Set local.replSetName to "${stored._id}" or use an empty data directory.`,
      { details: { path: dbPath, found: stored._id, expected: name } },
    );
  }
  // Same set, new port: point the single member at it. `force` is the documented way to
  // reconfigure a set that has no reachable primary.
  await admin.command({
    replSetReconfig: {
      _id: name,
      version: (stored?.version ?? 0) + 1,
      members: [{ _id: 0, host }],
    },
    force: true,
  });
  return 'reconfigured';
}

export async function waitForPrimary(client: MongoClient, deadline: number, signal: AbortSignal) {
  while (Date.now() < deadline && !signal.aborted) {
    const hello = await client.db('admin').command({ hello: 1 });
    if (hello['isWritablePrimary'] === true) return;
    await sleep(100, signal);
  }
  if (signal.aborted) return;
  throw new OutpostError(
    ErrorCode.MongodStartTimeout,
    'mongod started but did not become PRIMARY within the start timeout.',
  );
}
