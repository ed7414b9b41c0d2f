/**
 * Bundles the preload (and the one module it shares with the main process) into a single
 * CommonJS file, dist/electron/preload.cjs: a sandboxed preload is run as a script that may
 * `require('electron')` and nothing else, so it can be neither ESM nor import local files.
 * https://www.electronjs.org/docs/latest/tutorial/esm#preload-scripts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/electron',
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    // The renderer of the Electron release in package.json (Chromium 140 and later).
    target: 'es2023',
    lib: {
      entry: 'electron/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: { external: ['electron'] },
  },
});
