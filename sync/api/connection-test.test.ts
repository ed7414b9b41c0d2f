import { MongoServerSelectionError, type MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { classifyConnectError, describeServer, testCentralConnection } from './connection-test.js';

const context = { hosts: ['central.example.com:27017'], timeoutMs: 5_000 };

/** A server selection failure the way the driver reports one: per-server errors in `reason`. */
function selectionError(serverError: Error): Error {
  const error = new MongoServerSelectionError(serverError.message, {
    servers: new Map([['central.example.com:27017', { error: serverError }]]),
  } as never);
  return error;
}

function errno(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('testCentralConnection before connecting', () => {
  it('refuses an empty string and one that is not a MongoDB connection string', async () => {
    expect(await testCentralConnection('  ')).toMatchObject({ ok: false, problem: 'malformed' });
    const http = await testCentralConnection('https://cluster0.example.net');
    expect(http.problem).toBe('malformed');
    expect(http.message).toContain('must start with mongodb:// or mongodb+srv://, not https://');
  });

  it('reports what the driver found wrong with the string, without the password', async () => {
    const result = await testCentralConnection('mongodb://user:secret@central:99999');
    expect(result).toMatchObject({ ok: false, problem: 'malformed' });
    expect(result.message).toMatch(/^This is not a valid connection string: /);
    expect(JSON.stringify(result)).not.toContain('secret');
    const noHost = await testCentralConnection('mongodb://');
    expect(noHost.message).toContain('host list are required');
  });

  it('always closes the client it made', async () => {
    let closed = false;
    const fake = {
      options: { hosts: [{ toString: () => 'h:1' }] },
      connect: () => Promise.reject(errno('connect ECONNREFUSED h:1', 'ECONNREFUSED')),
      close: () => ((closed = true), Promise.resolve()),
    } as unknown as MongoClient;
    const result = await testCentralConnection('mongodb://h:1', { createClient: () => fake });
    expect(result).toMatchObject({ ok: false, problem: 'unreachable' });
    expect(result.message).toContain('Nothing is listening at h:1');
    expect(closed).toBe(true);
  });
});

describe('classifyConnectError', () => {
  it.each([
    ['dns', errno('getaddrinfo ENOTFOUND central.example.com', 'ENOTFOUND'), 'could not be found'],
    ['dns', errno('querySrv ENOTFOUND _mongodb._tcp.c.example.net', 'ENOTFOUND'), 'DNS'],
    ['unreachable', errno('connect ECONNREFUSED 10.0.0.1:27017', 'ECONNREFUSED'), 'Nothing is'],
    ['unreachable', errno('connect EHOSTUNREACH 10.0.0.1', 'EHOSTUNREACH'), 'cannot be reached'],
    ['timeout', new Error('Server selection timed out after 5000 ms'), 'within 5 s'],
    ['tls', new Error('self-signed certificate in certificate chain'), 'TLS'],
    [
      'auth',
      Object.assign(new Error('Authentication failed.'), { code: 18 }),
      'user name or password',
    ],
    ['other', new Error('something odd'), 'something odd.'],
  ])('%s: %s', (problem, cause, words) => {
    const result = classifyConnectError(selectionError(cause), context);
    expect(result).toMatchObject({ ok: false, problem });
    expect(result.message).toContain(words);
  });
});

describe('describeServer', () => {
  const seen = { hosts: ['c:27017'], version: '7.0.15', ms: 12 };
  it('accepts a replica set member and a mongos', () => {
    expect(describeServer({ setName: 'rs0', isWritablePrimary: true }, seen)).toMatchObject({
      ok: true,
      problem: null,
      message:
        'Connected to replica set "rs0" (MongoDB 7.0.15) in 12 ms. Outpost can sync with it.',
    });
    expect(describeServer({ msg: 'isdbgrid' }, seen)).toMatchObject({
      ok: true,
      details: { topology: 'sharded' },
    });
  });

  it('refuses a standalone server, saying why', () => {
    const result = describeServer({ isWritablePrimary: true }, seen);
    expect(result).toMatchObject({ ok: false, problem: 'not-replica-set' });
    expect(result.message).toContain('not a replica set or sharded cluster');
  });
});
