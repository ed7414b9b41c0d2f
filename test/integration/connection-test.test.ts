/**
 * `settings:test-connection` against real servers: a replica set passes, refused credentials,
 * a closed port, an unknown host and a MongoDB too old for the driver (a real 4.0, which the
 * engine also names as the reason it is offline) are each named in words.
 */
import { MongoClient } from 'mongodb';
import { describe, expect, inject, it } from 'vitest';
import { testCentralConnection } from '../../sync/api/connection-test.js';
import { createSyncEngine } from '../../sync/engine/create-engine.js';
import { findFreePort } from '../../sync/util/ports.js';
import { uniqueDbName } from '../harness/db-names.js';
import { legacyMongoForSuite } from '../harness/mongo-tools.js';
import { FAST_TUNABLES, waitFor } from '../harness/sync-cluster.js';

describe('testCentralConnection', () => {
  const central = () => new URL(inject('mongo').central);

  it('accepts a replica set and names it', async () => {
    const result = await testCentralConnection(inject('mongo').central);
    expect(result).toMatchObject({
      ok: true,
      problem: null,
      details: { topology: 'replica-set', setName: 'central' },
    });
    expect(result.message).toMatch(
      /^Connected to replica set "central" \(MongoDB [\d.]+\) in \d+ ms/,
    );
  });

  it('says the password was refused, without repeating it', async () => {
    const uri = `mongodb://nobody:not-the-password@${central().host}/?directConnection=true&authSource=admin`;
    const result = await testCentralConnection(uri, { timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, problem: 'auth' });
    expect(result.message).toContain('refused the user name or password');
    expect(JSON.stringify(result)).not.toContain('not-the-password');
  });

  it('says nothing is listening on a closed port', async () => {
    const port = await findFreePort();
    const result = await testCentralConnection(
      `mongodb://127.0.0.1:${port}/?directConnection=true`,
      { timeoutMs: 2_000 },
    );
    expect(result).toMatchObject({ ok: false, problem: 'unreachable' });
    expect(result.message).toContain(`Nothing is listening at 127.0.0.1:${port}`);
  });

  it('says a host name cannot be found', async () => {
    const result = await testCentralConnection('mongodb://central.outpost-test.invalid:27017', {
      timeoutMs: 2_000,
    });
    expect(result).toMatchObject({ ok: false, problem: 'dns' });
    expect(result.message).toContain('central.outpost-test.invalid:27017 could not be found');
  });
});

describe('a central older than the driver supports (a real MongoDB 4.0)', () => {
  const legacyMongo = legacyMongoForSuite();

  it('is named with its version by the connection test, and as the reason sync is offline', async () => {
    const { port } = legacyMongo();
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
    const result = await testCentralConnection(uri, { timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, problem: 'too-old' });
    expect(result.message).toBe(
      `127.0.0.1:${port} runs MongoDB 4.0, and Outpost needs MongoDB 4.4 or later ` +
        '(every Atlas cluster is). Upgrade the server, or point Outpost at one that is.',
    );

    // An engine pointed at it: offline, saying why, not the driver's "Topology is closed".
    const name = uniqueDbName('old-central');
    const local = new MongoClient(inject('mongo').sites[0]!);
    const central = new MongoClient(uri, { serverSelectionTimeoutMS: 1_500 });
    const engine = createSyncEngine({
      instanceId: `old-central-${name.slice(-8)}`,
      local,
      localUri: inject('mongo').sites[0]!,
      central,
      rules: { databases: [{ name, collections: {} }], exclude: [] },
      metaDatabase: `outpost_${name.slice(-8)}`,
      tunables: FAST_TUNABLES,
    });
    try {
      await engine.start();
      // Said once the client connects again: the first calls only see it closed.
      await waitFor('offline, saying why', () =>
        engine.status().then((s) => s.state.name === 'offline' && /4\.0/.test(s.state.reason)),
      );
      const { state } = await engine.status();
      expect(state).toMatchObject({
        name: 'offline',
        reason:
          'Central runs MongoDB 4.0, and Outpost needs MongoDB 4.4 or later (every Atlas ' +
          'cluster is): upgrade it, or set central.uri to one that is',
      });
    } finally {
      await engine.stop();
      await local.db(`outpost_${name.slice(-8)}`).dropDatabase();
      await local.close();
      await central.close();
    }
  });
});
