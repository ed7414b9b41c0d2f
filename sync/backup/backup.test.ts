import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectionOf, fileNameOf } from './backup.js';

describe('collection names as file names', () => {
  it('escapes as mongodump does, and ":" for Windows', () => {
    expect(fileNameOf('sales')).toBe('sales');
    expect(fileNameOf('odd/name')).toBe('odd%2Fname');
    expect(fileNameOf('a b,c;d?e%f')).toBe('a%20b%2Cc%3Bd%3Fe%25f');
    expect(fileNameOf('keep-_.~$&+=@')).toBe('keep-_.~$&+=@');
    expect(fileNameOf('x:y\\z*"<>|')).toBe('x%3Ay%5Cz%2A%22%3C%3E%7C');
    expect(fileNameOf('مبيعات')).toBe('%D9%85%D8%A8%D9%8A%D8%B9%D8%A7%D8%AA');
  });

  it('gives back every name, in characters every file system takes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (name) => {
        const file = fileNameOf(name);
        expect(file).toMatch(/^[A-Za-z0-9\-_.~$&+=@%]*$/);
        expect(collectionOf(file)).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it('escapes the first letter of a name Windows keeps for a device', () => {
    expect(fileNameOf('con')).toBe('%63on');
    expect(fileNameOf('NUL.sales')).toBe('%4EUL.sales');
    expect(fileNameOf('com1')).toBe('%63om1');
    expect(fileNameOf('console')).toBe('console');
    expect(fileNameOf('aux-orders')).toBe('aux-orders');
    for (const name of ['con', 'NUL.sales', 'com1'])
      expect(collectionOf(fileNameOf(name))).toBe(name);
  });

  it('cuts a name too long for a file as mongodump does, told apart by a hash', () => {
    const long = 'مبيعات'.repeat(7); // 84 bytes of UTF-8, 252 characters escaped
    const file = fileNameOf(long);
    expect(file).toHaveLength(208 + 3 + 27);
    expect(file.slice(0, 208)).toBe(fileNameOf('مبيعات'.repeat(8)).slice(0, 208));
    expect(file).toMatch(/^[A-Za-z0-9%]{208}%24[A-Za-z0-9_-]{27}$/);
    expect(fileNameOf(`${long}x`)).not.toBe(file);
    expect(fileNameOf('a'.repeat(238))).toBe('a'.repeat(238));
    expect(fileNameOf('a'.repeat(239))).toHaveLength(238);
  });

  it('reads a name with a "%" that escapes nothing as it is', () => {
    expect(collectionOf('50%off')).toBe('50%off');
  });
});
