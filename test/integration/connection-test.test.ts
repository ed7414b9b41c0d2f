/**
 * `settings:test-connection` against real servers: a replica set passes, refused credentials,
 * a closed port and an unknown host are each named in words.
 */
import { describe, expect, inject, it } from 'vitest';
import { testCentralConnection } from '../../sync/api/connection-test.js';
import { findFreePort } from '../../sync/util/ports.js';

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
