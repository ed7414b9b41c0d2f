import { describe, expect, it } from 'vitest';
import { decideBinding, sameCluster, type BindingFacts } from './identity.js';

const facts = (over: Partial<BindingFacts>): BindingFacts => ({
  recorded: null,
  central: null,
  synced: false,
  registered: false,
  ...over,
});

describe('decideBinding', () => {
  it('binds a database that never synced to whatever central it meets', () => {
    expect(decideBinding(facts({}))).toBe('first');
    expect(decideBinding(facts({ central: 'c1' }))).toBe('first');
  });

  it('goes on with the central its bookkeeping belongs to', () => {
    expect(decideBinding(facts({ recorded: 'c1', central: 'c1', synced: true }))).toBe('same');
  });

  it('syncs anew with another central, or one that lost its identity (emptied, or new)', () => {
    expect(decideBinding(facts({ recorded: 'c1', central: 'c2', synced: true }))).toBe('changed');
    expect(decideBinding(facts({ recorded: 'c1', central: null, synced: true }))).toBe('changed');
    // Whatever central's registry says: the identity recorded decides.
    expect(
      decideBinding(facts({ recorded: 'c1', central: 'c2', synced: true, registered: true })),
    ).toBe('changed');
  });

  it('takes bookkeeping from before identities for a central that knows the site, and only then', () => {
    expect(decideBinding(facts({ synced: true, registered: true }))).toBe('adopted');
    expect(decideBinding(facts({ synced: true, registered: true, central: 'c1' }))).toBe('adopted');
    expect(decideBinding(facts({ synced: true, registered: false, central: 'c1' }))).toBe(
      'changed',
    );
    expect(decideBinding(facts({ synced: true, registered: false }))).toBe('changed');
  });
});

describe('sameCluster', () => {
  const rs = (setName: string | null, ...hosts: string[]) => ({ setName, hosts });

  it('is the same replica set while its name stays and a member is kept', () => {
    expect(sameCluster(rs('rs0', 'a:27017', 'b:27017'), rs('rs0', 'b:27017', 'c:27017'))).toBe(
      true,
    );
    expect(sameCluster(rs(null, 'mongos1:27017'), rs(null, 'mongos1:27017', 'mongos2:27017'))).toBe(
      true,
    );
  });

  it('is another cluster with another name, or no member in common', () => {
    expect(sameCluster(rs('rs0', 'a:27017'), rs('rs1', 'a:27017'))).toBe(false);
    expect(sameCluster(rs('rs0', 'a:27017'), rs('rs0', 'z:27017'))).toBe(false);
    expect(sameCluster(rs('rs0', 'a:27017'), rs(null, 'a:27017'))).toBe(false);
  });
});
