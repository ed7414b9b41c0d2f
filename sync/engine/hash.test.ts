import { Decimal128, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { contentHash, stripSync } from './hash.js';

describe('contentHash', () => {
  it('ignores key order and the _sync field, at every depth', () => {
    const id = new ObjectId();
    const a = {
      _id: id,
      sku: 'A1',
      price: { amount: Decimal128.fromString('9.90'), currency: 'EUR' },
    };
    const b = {
      price: { currency: 'EUR', amount: Decimal128.fromString('9.90') },
      _sync: { v: 'x' },
      sku: 'A1',
      _id: id,
    };
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it('tells apart different content, types and array orders', () => {
    const base = contentHash({ _id: 1, qty: 1 });
    expect(contentHash({ _id: 1, qty: 2 })).not.toBe(base);
    expect(contentHash({ _id: 1, qty: '1' })).not.toBe(base);
    expect(contentHash({ _id: 1, tags: ['a', 'b'] })).not.toBe(
      contentHash({ _id: 1, tags: ['b', 'a'] }),
    );
  });

  it('strips _sync only at the top level', () => {
    expect(stripSync({ _id: 1, _sync: { v: '1' }, nested: { _sync: 2 } })).toEqual({
      _id: 1,
      nested: { _sync: 2 },
    });
  });
});
