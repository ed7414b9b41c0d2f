import { Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { tokenClusterTime } from './token-time.js';

describe('tokenClusterTime', () => {
  it('reads the cluster time of a real mongod 7.0 token', () => {
    // Taken from a change event whose clusterTime was Timestamp({ t: 1795303264, i: 2 }).
    const token = {
      _data:
        '826B022760000000022B042C0100296E5A1004315B51BADBDE4AC08A470205A149972B463C6F7065726174696F6E54797065003C696E736572740046646F63756D656E744B65790046645F696400646B022760F411E91C4DEE2D32000004',
    };
    expect(tokenClusterTime(token)?.equals(new Timestamp({ t: 1795303264, i: 2 }))).toBe(true);
  });

  it('returns undefined for tokens it does not understand', () => {
    expect(tokenClusterTime({ _data: 'zz' })).toBeUndefined();
    expect(tokenClusterTime({})).toBeUndefined();
    expect(tokenClusterTime(undefined)).toBeUndefined();
  });
});
