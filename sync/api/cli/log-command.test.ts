import { describe, expect, it } from 'vitest';
import { parseSince, renderLog } from './log-command.js';

describe('outpost log', () => {
  const now = Date.parse('2026-12-07T12:00:00.000Z');

  it('reads --since as a time back from now or as a date-time', () => {
    expect(parseSince('30m', now)).toBe('2026-12-07T11:30:00.000Z');
    expect(parseSince('2h', now)).toBe('2026-12-07T10:00:00.000Z');
    expect(parseSince('7d', now)).toBe('2026-11-30T12:00:00.000Z');
    expect(parseSince('2026-12-01T08:00:00+01:00', now)).toBe('2026-12-01T07:00:00.000Z');
    expect(() => parseSince('yesterday', now)).toThrow(/30m, 2h, 7d/);
    expect(() => parseSince('5w', now)).toThrow(/30m, 2h, 7d/);
  });

  it('prints one line per entry with its attributes', () => {
    const lines = renderLog([
      {
        at: '2026-12-07T11:59:58.123Z',
        event: 'sync.went-offline',
        level: 'warn',
        attributes: { reason: 'central unreachable', attempts: 3 },
      },
    ]);
    expect(lines[0]).toMatch(/^AT\s+LEVEL\s+EVENT\s+DETAILS$/);
    expect(lines[2]).toBe(
      '2026-12-07 11:59:58Z  warn   sync.went-offline  reason=central unreachable attempts=3',
    );
  });
});
