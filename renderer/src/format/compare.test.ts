import { describe, expect, it } from 'vitest';
import { checkMergedText, compareVersions, stableJson, suggestMerge } from './compare.js';

const base = { _id: 'o1', status: 'new', total: 10, note: 'x' };
const site = { _id: 'o1', status: 'paid', total: 12, note: 'x' };
const central = { _id: 'o1', status: 'cancelled', total: 10, note: 'y', _sync: { v: '1' } };

describe('compareVersions', () => {
  it('lists every field once, _id first, marking where the sides differ and who changed it', () => {
    const rows = compareVersions(base, site, central);
    expect(rows.map((r) => r.field)).toEqual(['_id', 'status', 'total', 'note']);
    const by = Object.fromEntries(rows.map((r) => [r.field, r]));
    expect(by['_id']).toMatchObject({ differs: false, siteChanged: false, centralChanged: false });
    expect(by['status']).toMatchObject({ differs: true, siteChanged: true, centralChanged: true });
    expect(by['total']).toMatchObject({ differs: true, siteChanged: true, centralChanged: false });
    expect(by['note']).toMatchObject({ differs: true, siteChanged: false, centralChanged: true });
  });

  it('treats a missing field as different, and objects by content', () => {
    const rows = compareVersions(
      null,
      { _id: 1, a: { x: 1, y: 2 } },
      { _id: 1, a: { y: 2, x: 1 }, b: 1 },
    );
    expect(rows.find((r) => r.field === 'a')?.differs).toBe(false);
    expect(rows.find((r) => r.field === 'b')?.differs).toBe(true);
    expect(stableJson({ b: 1, a: [1, { d: 1, c: 2 }] })).toBe('{"a":[1,{"c":2,"d":1}],"b":1}');
  });
});

describe('suggestMerge', () => {
  it('takes each field from the side that changed it, this site on a double change', () => {
    expect(suggestMerge(base, site, central)).toEqual({
      _id: 'o1',
      status: 'paid',
      total: 12,
      note: 'y',
    });
  });

  it("without a base, keeps this site's values and adds the fields only central has", () => {
    expect(suggestMerge(null, site, central)).toEqual({
      _id: 'o1',
      status: 'paid',
      total: 12,
      note: 'x',
    });
    expect(suggestMerge(null, { _id: 'o1', a: 1 }, { _id: 'o1', a: 2, b: 3 })).toEqual({
      _id: 'o1',
      a: 1,
      b: 3,
    });
  });

  it('keeps the surviving side when one deleted', () => {
    expect(suggestMerge(base, null, central)).toEqual({
      _id: 'o1',
      status: 'cancelled',
      total: 10,
      note: 'y',
    });
  });
});

describe('checkMergedText', () => {
  it('accepts an object and fills in the _id', () => {
    expect(checkMergedText('{"status":"refunded"}', 'o1')).toEqual({
      ok: true,
      doc: { status: 'refunded', _id: 'o1' },
    });
  });

  it('explains what is wrong', () => {
    const cases: [string, string][] = [
      ['{"status": }', 'not valid JSON'],
      ['[1, 2]', 'one JSON object'],
      ['"text"', 'one JSON object'],
      ['{"_id":"o2"}', "keep the record's _id (o1)"],
      ['{"$set":{}}', 'reserved'],
    ];
    for (const [text, words] of cases) {
      const result = checkMergedText(text, 'o1');
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.message, text).toContain(words);
    }
  });
});
