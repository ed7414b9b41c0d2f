import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { TRAY_ICONS } from './tray.js';

vi.mock('electron', () => import('./testing/fake-electron.js'));

const ICONS = new URL('../resources/icons/', import.meta.url);

/** Width, height, bit depth and colour type from a PNG's IHDR chunk. */
function pngHeader(name: string) {
  const bytes = readFileSync(new URL(name, ICONS));
  expect(bytes.subarray(0, 8)).toEqual(
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  );
  expect(bytes.toString('ascii', 12, 16)).toBe('IHDR');
  return {
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
    depth: bytes[24],
    colourType: bytes[25],
  };
}

describe('resources/icons (scripts/make-icons.mjs)', () => {
  it.each(TRAY_ICONS)('has tray-%s.png at 16 px and @2x at 32 px, RGBA', (icon) => {
    expect(pngHeader(`tray-${icon}.png`)).toEqual({
      width: 16,
      height: 16,
      depth: 8,
      colourType: 6,
    });
    expect(pngHeader(`tray-${icon}@2x.png`)).toEqual({
      width: 32,
      height: 32,
      depth: 8,
      colourType: 6,
    });
  });

  it('has a 512 px app icon (macOS needs 512, Windows 256)', () => {
    expect(pngHeader('app.png')).toMatchObject({ width: 512, height: 512 });
  });
});
