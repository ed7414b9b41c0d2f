import { describe, expect, it } from 'vitest';
import { renderBackupList } from './backup-command.js';

describe('outpost backup --list', () => {
  it('says when, why and where, newest first', () => {
    const lines = renderBackupList([
      { dir: '/data/backups/2026-12-07T10-00-00.000Z', at: '2026-12-07T10:00:00.000Z' },
      {
        dir: '/data/backups/2026-12-01T09-00-00.000Z-before-first-sync',
        at: '2026-12-01T09:00:00.000Z',
        reason: 'before-first-sync',
      },
    ]);
    expect(lines[0]).toBe('2 backups, newest first:');
    expect(lines[1]).toMatch(/^made at\s+why\s+directory$/);
    expect(lines[3]).toMatch(
      /^2026-12-07T10:00:00.000Z\s+by hand or schedule\s+\/data\/backups\/2026-12-07T10-00-00.000Z$/,
    );
    expect(lines[4]).toMatch(
      /^2026-12-01T09:00:00.000Z\s+before first sync\s+\S+-before-first-sync$/,
    );
  });

  it('says how to make one when there is none', () => {
    expect(renderBackupList([])).toEqual([
      'No backup in the backups folder yet. Make one with outpost backup.',
    ]);
  });
});
