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

  it('reads a name with a "%" that escapes nothing as it is', () => {
    expect(collectionOf('50%off')).toBe('50%off');
  });
});
