// `node scripts/make-icons.mjs`: draws the tray icons (one per tray state, 16 px and @2x 32 px,
// the sizes Windows and macOS trays use; Electron picks name@2x.png on HiDPI screens) and the
// 512 px app icon electron-builder turns into .ico/.icns, into resources/icons/. The PNGs are
// committed; this script is how they were made. Deterministic: the same bytes on every run.
//
// Each state has its own colour and its own white glyph, so colour is not the only cue.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'resources', 'icons');

const WHITE = [255, 255, 255];

/** Shapes in unit coordinates: x and y from -1 to 1, y down. Each returns true inside. */
const disc = (r) => (x, y) => x * x + y * y <= r * r;
const ring = (outer, inner) => (x, y) => disc(outer)(x, y) && !disc(inner)(x, y);
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const any =
  (...shapes) =>
  (x, y) =>
    shapes.some((shape) => shape(x, y));
const bar = (angle, halfLength, halfWidth) => (x, y) => {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const u = x * c + y * s;
  const v = -x * s + y * c;
  return Math.abs(u) <= halfLength && Math.abs(v) <= halfWidth;
};

/** Points within `halfWidth` of the segment from (x0, y0) to (x1, y1). */
const segment = (x0, y0, x1, y1, halfWidth) => (x, y) => {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy)) <= halfWidth;
};

/** Tray states: colour of the disc and the glyph drawn in white on it. */
export const TRAY_ICON_DESIGNS = {
  // A tick: in sync.
  'in-sync': {
    colour: [46, 158, 79],
    glyph: any(segment(-0.45, 0.02, -0.12, 0.35, 0.11), segment(-0.12, 0.35, 0.46, -0.3, 0.11)),
  },
  // A ring: work moving.
  syncing: { colour: [47, 111, 214], glyph: ring(0.42, 0.22) },
  // A dash: the link is down, work waits.
  offline: { colour: [196, 140, 0], glyph: rect(-0.45, -0.11, 0.45, 0.11) },
  // An exclamation mark: the operator is needed.
  conflicts: {
    colour: [155, 63, 200],
    glyph: any(rect(-0.1, -0.55, 0.1, 0.15), (x, y) => disc(0.12)(x, y - 0.4)),
  },
  // A cross: something failed.
  error: {
    colour: [209, 52, 56],
    glyph: any(bar(Math.PI / 4, 0.45, 0.11), bar(-Math.PI / 4, 0.45, 0.11)),
  },
  // Two bars: paused (also stopped, local only).
  paused: {
    colour: [110, 116, 126],
    glyph: any(rect(-0.32, -0.4, -0.1, 0.4), rect(0.1, -0.4, 0.32, 0.4)),
  },
};

/** RGBA pixels of `size`, 4x4 supersampled so the edges are smooth. */
export function renderIcon(size, colour, glyph, discRadius = 0.94) {
  const pixels = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let inDisc = 0;
      let inGlyph = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) / size) * 2 - 1;
          const y = ((py + (sy + 0.5) / samples) / size) * 2 - 1;
          if (!disc(discRadius)(x, y)) continue;
          inDisc++;
          if (glyph(x, y)) inGlyph++;
        }
      }
      const total = samples * samples;
      const alpha = inDisc / total;
      const white = inDisc === 0 ? 0 : inGlyph / inDisc;
      const offset = (py * size + px) * 4;
      for (let channel = 0; channel < 3; channel++) {
        pixels[offset + channel] = Math.round(
          colour[channel] * (1 - white) + WHITE[channel] * white,
        );
      }
      pixels[offset + 3] = Math.round(alpha * 255);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A minimal PNG: 8-bit RGBA, no interlace, filter 0 on every row. */
export function encodePng(size, pixels) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0;
    pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function main() {
  mkdirSync(OUT, { recursive: true });
  const written = [];
  for (const [name, design] of Object.entries(TRAY_ICON_DESIGNS)) {
    for (const [suffix, size] of [
      ['', 16],
      ['@2x', 32],
    ]) {
      const file = path.join(OUT, `tray-${name}${suffix}.png`);
      writeFileSync(file, encodePng(size, renderIcon(size, design.colour, design.glyph)));
      written.push(file);
    }
  }
  // The app icon: the in-sync tick on Outpost blue.
  const app = path.join(OUT, 'app.png');
  writeFileSync(
    app,
    encodePng(512, renderIcon(512, [31, 84, 160], TRAY_ICON_DESIGNS['in-sync'].glyph)),
  );
  written.push(app);
  for (const file of written) console.log(path.relative(ROOT, file));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
