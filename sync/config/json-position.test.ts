import { describe, expect, it } from 'vitest';
import { locateJsonError } from './json-position.js';

describe('locateJsonError', () => {
  it.each([
    ['{"a":}', 1, 6, 'unexpected "}"'],
    ['{\n  "a": 1,\n}', 3, 1, 'unexpected "}"'],
    ['{\r\n  "a" 1\r\n}', 2, 7, 'unexpected "1"'],
    ['{"a": tru}', 1, 10, 'unexpected "}"'],
    ['{"a": 1} x', 1, 10, 'unexpected "x"'],
    ['{"a": [1, 2', 1, 12, 'unexpected end of file'],
    ['', 1, 1, 'unexpected end of file'],
    ['{"a": "\\q"}', 1, 9, 'unexpected "q"'],
    ["{'a': 1}", 1, 2, `unexpected "'"`],
    ['{"a": 01}', 1, 8, 'unexpected "1"'],
    ['{"a": "line\nbreak"}', 1, 12, 'unexpected "\\n"'],
  ])('locates the error in %j at %i:%i', (text, line, column, problem) => {
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(locateJsonError(text)).toMatchObject({ line, column, problem });
  });

  it.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5e3, true, false, null, {"b": "\\u00e9\\n\\""}]} ',
    '"text"',
    '0',
  ])('finds nothing wrong in valid JSON %j', (text) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(locateJsonError(text)).toBeUndefined();
  });
});
