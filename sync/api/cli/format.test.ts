import { describe, expect, it } from 'vitest';
import type { ConflictView, HealthReport, StatusView } from '../contract.js';
import { patchFor, parseValue, valueAt } from './config-command.js';
import { renderConflicts } from './conflicts-commands.js';
import { renderDoctor } from './doctor-command.js';
import { formatDocId, renderPairs, renderTable } from './format.js';
import { renderStatus } from './status-command.js';

describe('renderTable', () => {
  it('pads columns to their widest cell, with a rule under the header', () => {
    const lines = renderTable(
      [
        { header: 'NAME', value: (r: { name: string; n: number | null }) => r.name },
        { header: 'N', value: (r) => r.n, align: 'right' },
      ],
      [
        { name: 'sales', n: 1200 },
        { name: 'products', n: 7 },
        { name: 'x', n: null },
      ],
    );
    expect(lines).toEqual([
      'NAME         N',
      '--------  ----',
      'sales     1200',
      'products     7',
      'x            -',
    ]);
  });

  it('flattens whitespace and cuts long cells with an ellipsis', () => {
    const lines = renderTable(
      [{ header: 'MSG', value: (r: string) => r, maxWidth: 10 }],
      ['line one\nline two is long'],
    );
    expect(lines[2]).toBe('line on...');
  });

  it('prints only the header for no rows', () => {
    expect(renderTable([{ header: 'ID', value: (r: string) => r }], [])).toEqual(['ID', '--']);
  });
});

describe('renderPairs and ids', () => {
  it('aligns labels', () => {
    expect(
      renderPairs([
        ['state', 'idle'],
        ['outbox', '3'],
      ]),
    ).toEqual(['state   idle', 'outbox  3']);
  });

  it('shortens relaxed Extended JSON ids', () => {
    expect(formatDocId('s1')).toBe('s1');
    expect(formatDocId({ $oid: '65a1b2c3d4e5f60718293a4b' })).toBe('65a1b2c3d4e5f60718293a4b');
    expect(formatDocId(42)).toBe('42');
  });
});

const health: HealthReport = {
  status: 'warn',
  instanceId: 'site-a',
  checkedAt: '2030-01-01T12:00:00.000Z',
  checks: [
    {
      name: 'queue-size',
      label: 'Changes waiting',
      status: 'warn',
      message: '1200 local changes waiting to be pushed.',
    },
    {
      name: 'worker',
      label: 'Sync workers',
      status: 'pass',
      message: 'The sync loops are running (idle).',
    },
  ],
};

const status: StatusView = {
  instanceId: 'site-a',
  state: { name: 'offline', since: '2030-01-01T11:58:00.000Z', reason: 'connection refused' },
  outboxDepth: 1200,
  oldestUnsyncedAgeMs: 90_000,
  quarantined: 0,
  openConflicts: 1,
  counters: {
    captured: 1300,
    pushed: 100,
    pulled: 5,
    echoesDropped: 0,
    conflicts: 3,
    quarantined: 0,
    pushFailures: 40,
    pullFailures: 2,
    retries: 9,
    centralWrites: 100,
    localApplies: 5,
    lastPushAt: '2030-01-01T11:57:00.000Z',
    lastPullAt: null,
    lastPullLagMs: null,
  },
  rates: { pushedPerSecond: 0, pulledPerSecond: 0, failureRate: 1, spanMs: 60_000 },
  centralRoundTripMs: null,
  clockSkewMs: null,
  lastSyncAt: '2030-01-01T11:57:00.000Z',
  offlineSince: '2030-01-01T11:58:00.000Z',
  bootstrap: [],
  preparing: [],
  duplicateInstance: null,
  localMongod: null,
};

describe('renderStatus', () => {
  it('shows the state, queue and failures, then the health table', () => {
    const lines = renderStatus(status, health, Date.parse('2030-01-01T12:00:00.000Z'));
    expect(lines).toContain(
      'state            offline since 2030-01-01T11:58:00.000Z: connection refused',
    );
    expect(lines).toContain('outbox           1200 waiting (oldest 1 min 30 s)');
    expect(lines).toContain(
      'failures         push 40, pull 2, retries 9 (recent failure rate 100%)',
    );
    expect(lines).toContain('last sync        2030-01-01T11:57:00.000Z (3 min ago)');
    expect(lines).toContain('health: WARN');
    expect(lines).toContain('queue-size  WARN    1200 local changes waiting to be pushed.');
    expect(lines).toContain('worker      ok      The sync loops are running (idle).');
  });

  it('says what a database waits for before it syncs', () => {
    const lines = renderStatus(
      {
        ...status,
        preparing: [
          { db: 'pos', step: 'backup-before-first-sync', since: '2030-01-01T11:59:00.000Z' },
        ],
      },
      health,
      Date.parse('2030-01-01T12:00:00.000Z'),
    );
    expect(lines).toContain(
      'waiting pos      backup before first sync (for 1 min); nothing is sent or received for it until then',
    );
  });
});

describe('renderConflicts and renderDoctor', () => {
  it('lists conflicts with the winning side', () => {
    const conflict: ConflictView = {
      id: '65a1b2c3d4e5f60718293a4b',
      db: 'pos',
      coll: 'sales',
      docId: 's1',
      kind: 'update-update',
      strategy: 'lww',
      state: 'resolved',
      outcome: 'site',
      at: '2030-01-01T11:00:00.000Z',
      site: { doc: { total: 1 }, v: 'a', deleted: false },
      central: { doc: { total: 2 }, v: 'b', deleted: false },
      base: { doc: { total: 0 }, v: '0' },
      fields: [],
      unique: null,
    };
    const lines = renderConflicts([conflict, { ...conflict, state: 'open', outcome: null }]);
    expect(lines[0]).toMatch(/^ID\s+COLLECTION\s+DOCUMENT\s+KIND\s+STRATEGY\s+STATE\s+AT$/);
    expect(lines[2]).toContain('pos.sales');
    expect(lines[2]).toContain('kept site');
    expect(lines[3]).toContain('OPEN');
  });

  it('ends the doctor report with numbered fixes, or says there is nothing to fix', () => {
    const lines = renderDoctor([
      { name: 'mongod-binary', status: 'pass', message: 'Found /usr/bin/mongod (path).' },
      {
        name: 'central-topology',
        status: 'fail',
        message: 'Central is standalone.',
        fix: 'Make it a replica set.',
      },
    ]);
    expect(lines.slice(-2)).toEqual([
      'What to fix:',
      '1. central-topology: Make it a replica set.',
    ]);
    expect(renderDoctor([{ name: 'config', status: 'pass', message: 'ok' }]).at(-1)).toBe(
      'Nothing to fix.',
    );
  });
});

describe('config set values', () => {
  it('builds a merge patch from a dotted key', () => {
    expect(patchFor('health.queueWarn', 5)).toEqual({ health: { queueWarn: 5 } });
    expect(patchFor('siteId', 'shop-1')).toEqual({ siteId: 'shop-1' });
  });

  it('parses JSON values and keeps anything else as text', () => {
    expect(parseValue('100')).toBe(100);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('null')).toBeNull();
    expect(parseValue('[{"name":"pos"}]')).toEqual([{ name: 'pos' }]);
    expect(parseValue('mongodb://central:27017')).toBe('mongodb://central:27017');
  });

  it('reads a dotted key, and names a missing one', () => {
    expect(valueAt({ sync: { batchSize: 500 } }, 'sync.batchSize')).toBe(500);
    expect(valueAt({ databases: [{ name: 'pos' }] }, 'databases.0.name')).toBe('pos');
    expect(() => valueAt({ sync: {} }, 'sync.nope')).toThrow('The config has no key sync.nope.');
  });
});
